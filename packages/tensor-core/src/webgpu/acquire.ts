/**
 * Finding a WebGPU implementation, an adapter and a device: `navigator.gpu` in browsers and Deno, the
 * `webgpu` npm package (Dawn) in Node. Optional features (`shader-f16`, `subgroups`) are requested when
 * the adapter has them; the limits the kernels care about are raised to the adapter's maxima.
 */
/// <reference types="@webgpu/types" />
import { WebGpuUnavailableError } from './errors.js';
import type { MatvecShape } from './kernels/matmul.js';

export interface WebGpuBackendOptions {
  /** A WebGPU entry point (`navigator.gpu`, or Dawn's `create([...])` in Node). Default: found as described. */
  readonly gpu?: GPU;
  /** Use this adapter instead of requesting one. */
  readonly adapter?: GPUAdapter;
  /** Use this device (the backend then leaves its features and lifetime to the caller). */
  readonly device?: GPUDevice;
  readonly powerPreference?: GPUPowerPreference;
  /** Turn optional features off even when the adapter has them (to test or work around the fallbacks). */
  readonly features?: { readonly f16?: boolean; readonly subgroups?: boolean };
  /**
   * Largest storage binding the backend uses, below the device's `maxStorageBufferBindingSize` (tests of
   * tensors split across bindings use a small value).
   */
  readonly maxBindingBytes?: number;
  /**
   * Decoding (up to 8 tokens) over more cache cells than this splits attention into ranges of this many
   * cells, one workgroup each, merged afterwards (default 64, the least).
   */
  readonly attentionSplitCells?: number;
  /**
   * How decode matrix-vector products of long rows divide the work (workgroup size, weight rows per
   * workgroup). The default was measured best on an NVIDIA H200 (tools/bench README, "GPU"); other GPUs may
   * prefer other values.
   */
  readonly matvecShape?: MatvecShape;
  /**
   * Submit the recorded commands at the next op boundary once this many dispatches wait, so that the GPU
   * starts on a forward pass while JavaScript records the rest of it (default 64; on an H200,
   * tinyllama-shape decoding ran at 114 tokens/s with one command buffer per pass, 182 / 219 / 230 / 251
   * with 8 / 16 / 32 / 64 dispatches per submit; pass `Infinity` for one). Nothing waits between the
   * pieces: only reading a tensor does.
   */
  readonly dispatchesPerSubmit?: number;
  /** Node only: flags for Dawn's `create()` (for example `adapter=llvmpipe`) when the backend loads `webgpu`. */
  readonly dawnFlags?: readonly string[];
}

/** The device and what the kernels may use on it. */
export interface AcquiredDevice {
  readonly device: GPUDevice;
  readonly adapterName: string;
  /** A software adapter (llvmpipe, SwiftShader). */
  readonly fallback: boolean;
  readonly f16: boolean;
  readonly subgroups: boolean;
  /** Whether the backend created the device (and so destroys it on dispose). */
  readonly owned: boolean;
  /** Dropped on dispose: in Node, Dawn keeps the process alive while its `create()` result is referenced. */
  gpu: GPU | undefined;
}

interface DawnModule {
  create(flags: string[]): GPU;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** `navigator.gpu`, or in Node the `webgpu` package's entry point; undefined when neither exists. */
async function findGpu(dawnFlags: readonly string[] = []): Promise<GPU | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) return undefined;
  // A computed specifier keeps bundlers from pulling the Node-only package into browser builds.
  const specifier = ['web', 'gpu'].join('');
  try {
    const dawn = (await import(/* @vite-ignore */ specifier)) as DawnModule;
    return dawn.create([...dawnFlags]);
  } catch {
    return undefined;
  }
}

/** Whether the adapter is a software (CPU) implementation such as llvmpipe or SwiftShader. */
export function isFallbackAdapter(adapter: GPUAdapter): boolean {
  const a = adapter as GPUAdapter & { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } };
  return a.info?.isFallbackAdapter === true || a.isFallbackAdapter === true;
}

export interface WebGpuAvailabilityOptions extends Pick<WebGpuBackendOptions, 'gpu' | 'dawnFlags' | 'powerPreference'> {
  /**
   * Count software adapters (llvmpipe, SwiftShader): they run WGSL on the CPU, far slower than the wasm
   * backend, so by default they do not make WebGPU "available".
   */
  readonly allowFallbackAdapter?: boolean;
}

/**
 * Whether a WebGPU adapter worth using can be had here (browser with WebGPU, or Node with the `webgpu`
 * package and a Vulkan/Metal/D3D driver). Resolves to false instead of throwing.
 */
export async function isWebGpuAvailable(options: WebGpuAvailabilityOptions = {}): Promise<boolean> {
  try {
    const gpu = options.gpu ?? (await findGpu(options.dawnFlags));
    const adapter = await gpu?.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter) return false;
    return options.allowFallbackAdapter === true || !isFallbackAdapter(adapter);
  } catch {
    return false;
  }
}

function adapterName(adapter: GPUAdapter | undefined): string {
  const info = adapter?.info;
  if (!info) return 'WebGPU device';
  return [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ') || 'WebGPU adapter';
}

/** Gets a device as {@link WebGpuBackendOptions} describe; throws {@link WebGpuUnavailableError}. */
export async function acquireDevice(options: WebGpuBackendOptions): Promise<AcquiredDevice> {
  const wantF16 = options.features?.f16 ?? true;
  const wantSubgroups = options.features?.subgroups ?? true;
  if (options.device) {
    const d = options.device;
    return {
      device: d,
      adapterName: adapterName(options.adapter),
      fallback: options.adapter ? isFallbackAdapter(options.adapter) : false,
      f16: wantF16 && d.features.has('shader-f16'),
      subgroups: wantSubgroups && d.features.has('subgroups'),
      owned: false,
      gpu: undefined,
    };
  }
  let gpu: GPU | undefined = options.gpu;
  let adapter = options.adapter ?? null;
  if (!adapter) {
    gpu ??= await findGpu(options.dawnFlags);
    if (!gpu) {
      throw new WebGpuUnavailableError(
        isNode() ? 'the optional "webgpu" package is not installed or failed to load' : 'navigator.gpu is missing',
      );
    }
    adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter) throw new WebGpuUnavailableError('no GPU adapter was found (no driver, or WebGPU is disabled)');
  }
  const f16 = wantF16 && adapter.features.has('shader-f16');
  const subgroups = wantSubgroups && adapter.features.has('subgroups');
  const features: GPUFeatureName[] = [];
  if (f16) features.push('shader-f16');
  if (subgroups) features.push('subgroups' as GPUFeatureName);
  const l = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredFeatures: features,
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    });
  } catch (e) {
    throw new WebGpuUnavailableError(`the adapter refused a device (${(e as Error).message})`);
  }
  return {
    device,
    adapterName: adapterName(adapter),
    fallback: isFallbackAdapter(adapter),
    f16,
    subgroups,
    owned: true,
    gpu,
  };
}

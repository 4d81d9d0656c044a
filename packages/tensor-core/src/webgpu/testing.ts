/**
 * Test support (not part of the public API): runs the software-Vulkan setup script once, points the
 * Vulkan loader at lavapipe and SwiftShader, and creates backends on a named adapter through Dawn.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GgmlType, ggmlByteSize } from '@llamats/gguf-format';
import type { Backend, Tensor } from '../backend.js';
import { quantize } from '../quant/registry.js';
import { ReferenceBackend } from '../reference-backend.js';
import type { WebGpuBackendOptions } from './acquire.js';
import { WebGpuBackend } from './webgpu-backend.js';

export interface TestAdapter {
  readonly name: 'lavapipe' | 'swiftshader';
  /** Dawn `create()` flag selecting the adapter. */
  readonly flag: string;
}

export const TEST_ADAPTERS: readonly TestAdapter[] = [
  { name: 'lavapipe', flag: 'adapter=llvmpipe' },
  { name: 'swiftshader', flag: 'adapter=SwiftShader' },
];

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/webgpu/setup-vulkan.sh');

/** How long the setup script may run (it downloads two drivers the first time). */
const SETUP_LIMIT_MS = 8 * 60_000;

let setup: { ok: true } | { ok: false; reason: string } | undefined;

/**
 * Makes the software Vulkan drivers available (once per process). Returns why not when the setup script
 * says it is impossible on this machine (exit code 3); any other failure throws, so CI never skips silently.
 * Set LLAMATS_WEBGPU_REQUIRED=1 to turn "impossible" into a failure too.
 */
export function ensureSoftwareVulkan(): { ok: true } | { ok: false; reason: string } {
  if (setup) return setup;
  // lavapipe's worker threads spin; on a 2-core CI machine shared with other test files one thread is
  // faster (measured 2x under load)
  process.env.LP_NUM_THREADS ??= '1';
  if (process.env.LLAMATS_WEBGPU_ICDS) {
    process.env.VK_ICD_FILENAMES = process.env.LLAMATS_WEBGPU_ICDS;
    setup = { ok: true };
    return setup;
  }
  try {
    // bounded: this call blocks the test process, where vitest's timeouts cannot fire
    const out = execFileSync('bash', [SCRIPT], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: SETUP_LIMIT_MS,
      killSignal: 'SIGKILL',
    });
    const icds = [...out.matchAll(/^(lavapipe|swiftshader)=(.+)$/gm)].map((m) => m[2]);
    // Both drivers in one loader list; each test picks one with Dawn's adapter flag.
    process.env.VK_ICD_FILENAMES = icds.join(':');
    setup = { ok: true };
  } catch (e) {
    const err = e as { status?: number; signal?: string; stderr?: string; message: string };
    const reason =
      err.signal === 'SIGKILL'
        ? `${SCRIPT} did not finish in ${SETUP_LIMIT_MS / 60_000} minutes (a package mirror that does not answer?): ${(err.stderr ?? '').trim()}`
        : (err.stderr || err.message).trim();
    if (err.status === 3 && process.env.LLAMATS_WEBGPU_REQUIRED !== '1') setup = { ok: false, reason };
    else throw new Error(`WebGPU test setup failed: ${reason}`);
  }
  return setup;
}

/** A backend on one of the software adapters. */
export async function createTestBackend(
  adapter: TestAdapter,
  options: WebGpuBackendOptions = {},
): Promise<WebGpuBackend> {
  return WebGpuBackend.create({ ...options, dawnFlags: [adapter.flag] });
}

/** Seeded N(0, sigma^2) samples (mulberry32 + Box-Muller). */
export function gaussian(n: number, seed: number, sigma = 1): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return x;
}

/** sqrt(mean((a - b)^2)) / sqrt(mean(b^2)). */
export { relRms } from '../wasm/reference-products.js';

/** Largest |a - b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The adapter configurations every kernel is tested on. */
export interface TestConfig {
  readonly name: string;
  readonly adapter: TestAdapter;
  readonly options: WebGpuBackendOptions;
  /** The features the configuration must end up with (a driver change shows up as a failure). */
  readonly expect: { readonly f16: boolean; readonly subgroups: boolean };
}

export const TEST_CONFIGS: readonly TestConfig[] = [
  { name: 'lavapipe', adapter: TEST_ADAPTERS[0], options: {}, expect: { f16: true, subgroups: true } },
  {
    name: 'lavapipe without f16/subgroups',
    adapter: TEST_ADAPTERS[0],
    options: { features: { f16: false, subgroups: false }, attentionSplitCells: 64 },
    expect: { f16: false, subgroups: false },
  },
  // (split attention from 64 cells on: the decode steps of the KV tests take the flash-decoding path)
  {
    name: 'swiftshader',
    adapter: TEST_ADAPTERS[1],
    options: { attentionSplitCells: 64 },
    expect: { f16: false, subgroups: true },
  },
];

/** GGUF bytes of a `[cols, rows]` weight of `type`: seeded N(0, 0.02^2) values through the reference quantizer. */
export function randomWeightBytes(type: GgmlType, cols: number, rows: number, seed: number): Uint8Array {
  const n = cols * rows;
  const bytes = new Uint8Array(ggmlByteSize(type, n));
  quantize(type, gaussian(n, seed, 0.02), bytes, n);
  return bytes;
}

/**
 * Runs the same op sequence on a fresh reference backend and on `gpu`, and reads the tensors `build`
 * returns from both (then frees what it created on the GPU).
 */
export async function onBoth(
  gpu: Backend,
  build: (be: Backend) => Promise<Tensor[]> | Tensor[],
): Promise<{ ref: Float32Array[]; gpu: Float32Array[] }> {
  const ref = new ReferenceBackend();
  const read = async (be: Backend) => {
    const created: Tensor[] = [];
    // the same backend, with the tensors it creates remembered (methods stay bound to the backend itself)
    const tracking = new Proxy(be, {
      get(target, prop) {
        if (prop === 'createTensor' || prop === 'createWeight') {
          return (...a: unknown[]) => push(created, (target[prop] as (...x: unknown[]) => Tensor).apply(target, a));
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const outs = await build(tracking);
    const values = [];
    for (const t of outs) values.push(await be.readTensor(t));
    for (const t of created) be.free(t);
    return values;
  };
  return { ref: await read(ref), gpu: await read(gpu) };
}

function push(list: Tensor[], t: Tensor): Tensor {
  list.push(t);
  return t;
}

/**
 * Pipelines, created once per kernel source and cached by key; bind groups cached by the buffers they
 * bind, so that steady-state decoding creates none.
 */
/// <reference types="@webgpu/types" />
import type { BufferRange, GpuBuf } from './gpu-buffer.js';
import { type KernelSpec, PARAM_SLOT_BYTES } from './kernels/kernel.js';

export interface Pipeline {
  /** Small number naming the pipeline in bind-group keys (shorter to build and hash than the spec key). */
  readonly id: number;
  readonly spec: KernelSpec;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();

  constructor(private readonly device: GPUDevice) {}

  get(spec: KernelSpec): Pipeline {
    const hit = this.pipelines.get(spec.key);
    if (hit) return hit;
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: 4 /* COMPUTE */, buffer: { type: 'uniform', hasDynamicOffset: true } },
      ...spec.bindings.map(
        (kind, i): GPUBindGroupLayoutEntry => ({
          binding: i + 1,
          visibility: 4,
          buffer: { type: kind === 'rw' ? 'storage' : 'read-only-storage' },
        }),
      ),
    ];
    const layout = this.device.createBindGroupLayout({ label: spec.key, entries });
    const module = this.device.createShaderModule({ label: spec.key, code: spec.code });
    const pipeline = this.device.createComputePipeline({
      label: spec.key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const p = { id: this.pipelines.size, spec, pipeline, layout };
    this.created.pipelines++;
    this.pipelines.set(spec.key, p);
    return p;
  }

  /** The bind group of `pipeline` over the params arena (binding 0) and `ranges` (bindings 1..). */
  bindGroup(p: Pipeline, arena: GpuBuf, ranges: readonly BufferRange[]): GPUBindGroup {
    let key = `${p.id}|${arena.id}`;
    for (const r of ranges) key += `|${r.buf.id}:${r.offset ?? 0}:${r.size ?? -1}`;
    const hit = this.bindGroups.get(key);
    if (hit) return hit;
    const bg = this.device.createBindGroup({
      layout: p.layout,
      entries: [
        { binding: 0, resource: { buffer: arena.buffer, offset: 0, size: PARAM_SLOT_BYTES } },
        ...ranges.map((r, i) => ({
          binding: i + 1,
          resource: { buffer: r.buf.buffer, offset: r.offset ?? 0, size: r.size ?? r.buf.size },
        })),
      ],
    });
    this.bindGroups.set(key, bg);
    this.created.bindGroups++;
    return bg;
  }

  /** Pipelines and bind groups created so far. */
  counts(): { pipelines: number; bindGroups: number } {
    return { pipelines: this.created.pipelines, bindGroups: this.created.bindGroups };
  }
  private readonly created = { pipelines: 0, bindGroups: 0 };

  /** Forgets bind groups (after buffers were freed or replaced). */
  dropBindGroups(): void {
    this.bindGroups.clear();
  }
}

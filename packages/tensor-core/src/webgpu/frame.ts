/**
 * Command recording. Ops append dispatches and copies to one command encoder (one compute pass between
 * copies); nothing reaches the GPU until {@link Frame.submit}, which a read, a free or a full arena triggers.
 *
 * Per-op small inputs (kernel parameters, token ids, positions, RoPE frequencies, staged tensor writes) go
 * to the *arena*: a CPU mirror filled while recording and uploaded with one `writeBuffer` right before the
 * submit. Every op gets its own region, so ops recorded in one frame never see each other's inputs (a
 * `writeBuffer` per op would land before the whole command buffer, with the last write winning).
 */
/// <reference types="@webgpu/types" />
import { align, GpuBuf, Usage } from './gpu-buffer.js';
import { type KernelSpec, PARAM_SLOT_BYTES, packParams } from './kernels/kernel.js';
import type { Pipeline } from './pipelines.js';

const ARENA_ALIGN = 256;

export class Frame {
  readonly arena: GpuBuf;
  private readonly mirror: ArrayBuffer;
  private readonly u32: Uint32Array;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private used = 0;
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  /** The pipeline last set in {@link pass} (setting it again is a native call for nothing). */
  private passPipeline: GPUComputePipeline | undefined;
  /** The one dynamic offset of a dispatch, passed as a typed array (no JS array to convert per call). */
  private readonly offset = new Uint32Array(1);
  /** Dispatches and copies recorded since the last submit (for statistics and tests). */
  recorded = 0;
  /** Submits so far. */
  submits = 0;

  constructor(
    private readonly device: GPUDevice,
    readonly capacity: number,
    /** Submit at the next op boundary once this many dispatches wait (Infinity: only when needed). */
    private readonly dispatchesPerSubmit = Number.POSITIVE_INFINITY,
  ) {
    this.arena = new GpuBuf(
      device.createBuffer({
        label: 'llamats frame arena',
        size: capacity,
        usage: Usage.UNIFORM | Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC,
      }),
      capacity,
      'arena',
    );
    this.mirror = new ArrayBuffer(capacity);
    this.u32 = new Uint32Array(this.mirror);
    this.f32 = new Float32Array(this.mirror);
    this.i32 = new Int32Array(this.mirror);
  }

  /** Whether commands are waiting to be submitted. */
  get pending(): boolean {
    return this.encoder !== undefined;
  }

  /** Arena bytes that `regions` reservations of `bytes` in all take (for {@link begin}). */
  static need(bytes: number, regions = 1): number {
    return bytes + regions * ARENA_ALIGN;
  }

  /**
   * Called by every op before it reserves arena space: submits the frame first when `bytes` (from
   * {@link need}) do not fit, so that an op's regions always share one frame with its dispatches.
   */
  begin(bytes: number): void {
    if (bytes > this.capacity) throw new RangeError(`an op needs ${bytes} arena bytes, more than ${this.capacity}`);
    // An op boundary: an early submit lets the GPU start while the rest of the pass is recorded.
    if (this.used + bytes > this.capacity || this.recorded >= this.dispatchesPerSubmit) this.submit();
  }

  /** Reserves `bytes` in the arena; returns the byte offset. Ops call {@link begin} first. */
  reserve(bytes: number): number {
    const size = align(Math.max(bytes, 4), ARENA_ALIGN);
    if (this.used + size > this.capacity) throw new RangeError('arena overflow: an op reserved more than it announced');
    const at = this.used;
    this.used += size;
    return at;
  }

  /** Copies `data` (4-byte elements) into the arena; returns its element (u32) offset. */
  stage(data: Uint32Array | Int32Array | Float32Array): number {
    const at = this.reserve(data.byteLength);
    new Uint8Array(this.mirror, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return at / 4;
  }

  /** Records one dispatch of `p` with parameter `values`. */
  dispatch(
    p: Pipeline,
    bindGroup: GPUBindGroup,
    values: Readonly<Record<string, number>>,
    grid: readonly [number, number, number],
  ): void {
    const at = this.reserve(PARAM_SLOT_BYTES);
    packParams(p.spec.params as KernelSpec['params'], values, this.u32, this.f32, this.i32, at / 4);
    const pass = this.computePass();
    if (this.passPipeline !== p.pipeline) {
      pass.setPipeline(p.pipeline);
      this.passPipeline = p.pipeline;
    }
    this.offset[0] = at;
    pass.setBindGroup(0, bindGroup, this.offset, 0, 1);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    this.recorded++;
  }

  /** Records a buffer-to-buffer copy (offsets and size multiples of 4). */
  copy(src: GpuBuf, srcOffset: number, dst: GpuBuf, dstOffset: number, size: number): void {
    if (size === 0) return;
    const enc = this.commandEncoder();
    this.endPass();
    enc.copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, size);
    this.recorded++;
  }

  /** Uploads the arena and submits everything recorded. */
  submit(): void {
    if (!this.encoder) {
      this.used = 0;
      return;
    }
    this.endPass();
    const commands = this.encoder.finish();
    this.encoder = undefined;
    if (this.used > 0) this.device.queue.writeBuffer(this.arena.buffer, 0, this.mirror, 0, this.used);
    this.device.queue.submit([commands]);
    this.used = 0;
    this.recorded = 0;
    this.submits++;
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: 'llamats frame' });
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
    this.passPipeline = undefined;
  }

  destroy(): void {
    this.encoder = undefined;
    this.pass = undefined;
    this.arena.destroy();
  }
}

/**
 * The WebGPU backend: every op of {@link Backend} as WGSL compute shaders. Ops are recorded into one
 * command encoder ({@link Frame}) and submitted when data is read back, so a whole forward pass is one
 * command buffer. Weights stay quantized on the GPU and are dequantized inside the matmul and get-rows
 * shaders; large weights are split by rows across buffers that each fit one storage binding.
 */
/// <reference types="@webgpu/types" />
import { GgmlType } from '@llamats/gguf-format';
import {
  type ActivationType,
  type AttentionParams,
  type Backend,
  BackendError,
  type BackendInfo,
  type KvCache,
  type KvCacheSpec,
  type RopeParams,
  type Tensor,
  UnsupportedTypeError,
  type WeightSpec,
} from '../backend.js';
import { f16ToF32, f32ToF16 } from '../f16.js';
import { type AcquiredDevice, acquireDevice, type WebGpuBackendOptions } from './acquire.js';
import { GpuDeviceLostError, GpuInternalError, GpuLimitError, GpuOutOfMemoryError } from './errors.js';
import { Frame } from './frame.js';
import { align, type BufferRange, GpuBuf, MAP_READ_MODE, Usage } from './gpu-buffer.js';
import {
  ATTN_MAX_HEAD_DIM,
  attentionCombineKernel,
  attentionHeadsPerWorkgroup,
  attentionKernel,
} from './kernels/attention.js';
import { type ElementwiseOp, elementwiseGrid, elementwiseKernel } from './kernels/elementwise.js';
import { getRowsKernel } from './kernels/getrows.js';
import { grid, type KernelSpec, PARAM_SLOT_BYTES, type ShaderCaps } from './kernels/kernel.js';
import { kvGrid, shiftKKernel, writeKvKernel } from './kernels/kv.js';
import { kvElementBytes, kvStorage } from './kernels/kv-storage.js';
import {
  MATVEC_TOKENS,
  MATVEC_WG,
  type MatvecShape,
  matvecKernel,
  matvecRowsKernel,
  matvecThreadsPerRow,
  TILE_ROWS,
  TILE_TOKENS,
  tiledMatmulKernel,
} from './kernels/matmul.js';
import { rmsNormKernel } from './kernels/rmsnorm.js';
import { ropeGrid, ropeKernel, ropeThetaBase } from './kernels/rope.js';
import { PipelineCache } from './pipelines.js';
import { gpuWeightFormat } from './quant/registry.js';
import { rowGeometry } from './quant/repack.js';
import { GpuKvCache, GpuTensor, GpuWeight, type WeightPiece } from './tensors.js';
import { writeWeightBytes } from './weight-upload.js';

/** Arena bytes per frame: parameters of ~4000 dispatches, or ids / positions / staged writes. */
const ARENA_BYTES = 1 << 20;
/** Uploads wait for the GPU to catch up every this many bytes (bounds the driver's staging memory). */
const UPLOAD_WAIT_BYTES = 64 << 20;

const P = PARAM_SLOT_BYTES;
/**
 * Default {@link WebGpuBackendOptions.matvecShape}: the best of ten shapes for a llama7b-shape layer on an
 * NVIDIA H200 (tools/bench/src/gpu-probe.ts --shapes): 64 x 2 took 142 us per layer's products, 64 x 4
 * 148, 32 x 4 155, 64 x 1 (the former kernel) 303 before Q4_K's 16-byte chunks.
 */
export const DEFAULT_MATVEC_SHAPE: MatvecShape = { workgroupSize: 64, rows: 2 };
/**
 * Fewer rows per workgroup for matrices with few rows: at least this many workgroups keep the GPU's
 * memory system busy (a 256-row K projection in 64 workgroups of 4 rows idles most of a large GPU).
 */
const MIN_MATVEC_WORKGROUPS = 1024;
/** Default {@link WebGpuBackendOptions.dispatchesPerSubmit}. */
export const DEFAULT_DISPATCHES_PER_SUBMIT = 64;
/**
 * Default {@link WebGpuBackendOptions.attentionSplitCells}: one 64-cell tile per workgroup. A decode step
 * has one workgroup per query head (group) and range; walking 256-cell ranges kept a llama7b-shape layer's
 * attention over 257 cells at 128 us on an H200 (64 workgroups, each a chain of dependent loads).
 */
const DEFAULT_ATTENTION_SPLIT_CELLS = 64;

/** Rejects tuning options the kernels cannot run with (typed error, says which values are allowed). */
function checkTuning(options: WebGpuBackendOptions): void {
  const pow2 = (v: number) => Number.isInteger(v) && v >= 1 && (v & (v - 1)) === 0;
  const shape = { ...DEFAULT_MATVEC_SHAPE, ...options.matvecShape };
  // The reductions halve the workgroup; 256 invocations is WebGPU's default limit; the partial sums of
  // 8 tokens x rows x workgroupSize invocations must fit 16 KiB of workgroup memory without subgroups.
  const { workgroupSize: wg, rows } = shape;
  if (!pow2(wg) || wg > 256 || !pow2(rows) || wg * rows > 512) {
    throw new BackendError(
      `matvecShape ${JSON.stringify(options.matvecShape)}: workgroupSize and rows must be powers of two, workgroupSize at most 256 and their product at most 512`,
    );
  }
  const perSubmit = options.dispatchesPerSubmit ?? DEFAULT_DISPATCHES_PER_SUBMIT;
  if (!(perSubmit >= 1)) throw new BackendError(`dispatchesPerSubmit must be at least 1, got ${perSubmit}`);
}

/**
 * Creates a WebGPU backend: in browsers from `navigator.gpu`, in Node from the optional `webgpu`
 * package (Dawn). Throws {@link WebGpuUnavailableError} when there is no adapter.
 *
 * ```ts
 * const backend = await createWebGpuBackend({ powerPreference: 'high-performance' });
 * ```
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<Backend> {
  return WebGpuBackend.create(options);
}

export class WebGpuBackend implements Backend {
  readonly info: BackendInfo;
  /** Shader features in use (f16 KV storage, subgroup reductions). */
  readonly caps: ShaderCaps;
  private readonly device: GPUDevice;
  private readonly frame: Frame;
  private readonly pipelines: PipelineCache;
  /** Largest buffer bound as one storage binding. */
  readonly maxBindingBytes: number;
  private readonly maxBufferSize: number;
  private lostInfo: { reason: string; message: string } | undefined;
  private gpuError: BackendError | undefined;
  private readonly checks: Promise<void>[] = [];
  private disposed = false;
  private scratch: GpuBuf | undefined;
  private uploadedSinceWait = 0;
  private readonly staging: GpuBuf[] = [];
  private readonly attentionSplitCells: number;
  /** The configured shape, then the same with half as many rows per workgroup, ... down to one row. */
  private readonly matvecShapes: MatvecShape[] = [];

  private constructor(
    private readonly acquired: AcquiredDevice,
    options: WebGpuBackendOptions,
  ) {
    const device = acquired.device;
    this.device = device;
    this.caps = { f16: acquired.f16, subgroups: acquired.subgroups };
    const limits = device.limits;
    this.maxBufferSize = limits.maxBufferSize;
    this.maxBindingBytes = Math.min(
      limits.maxStorageBufferBindingSize,
      limits.maxBufferSize,
      options.maxBindingBytes ?? Number.POSITIVE_INFINITY,
    );
    this.maxBindingBytes -= this.maxBindingBytes % 16;
    const features = [this.caps.f16 ? 'shader-f16' : '', this.caps.subgroups ? 'subgroups' : ''].filter((s) => s);
    this.info = {
      kind: 'webgpu',
      threads: 1,
      detail: `${acquired.adapterName}${acquired.fallback ? ' (software adapter)' : ''}; features: ${features.join(', ') || 'none'}; max binding ${this.maxBindingBytes} bytes`,
    };
    this.attentionSplitCells = Math.max(64, options.attentionSplitCells ?? DEFAULT_ATTENTION_SPLIT_CELLS);
    // one object for the backend's life: kernel specs are cached by argument identity
    const shape = { ...DEFAULT_MATVEC_SHAPE, ...options.matvecShape };
    const perSubmit = options.dispatchesPerSubmit ?? DEFAULT_DISPATCHES_PER_SUBMIT;
    for (let r = shape.rows; r >= 1; r = Math.floor(r / 2)) this.matvecShapes.push({ ...shape, rows: r });
    this.frame = new Frame(device, ARENA_BYTES, perSubmit);
    this.pipelines = new PipelineCache(device);
    device.lost.then((info) => {
      if (!this.disposed) this.lostInfo = { reason: info.reason, message: info.message };
    });
    device.addEventListener('uncapturederror', (ev) => {
      this.recordError((ev as GPUUncapturedErrorEvent).error, 'GPU work');
    });
  }

  /** See {@link createWebGpuBackend}. */
  static async create(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
    checkTuning(options); // before a device exists: nothing to release on a bad option
    return new WebGpuBackend(await acquireDevice(options), options);
  }

  /** Counters for tests and diagnostics: submits so far, pipelines and bind groups created. */
  stats(): { submits: number; pipelines: number; bindGroups: number } {
    return { submits: this.frame.submits, ...this.pipelines.counts() };
  }

  supportsWeightType(type: GgmlType): boolean {
    return gpuWeightFormat(type) !== undefined;
  }

  // ---- errors ------------------------------------------------------------------------------------

  private recordError(error: GPUError, what: string, bytes?: number): void {
    if (this.gpuError) return;
    const isOom = error.constructor?.name === 'GPUOutOfMemoryError' || /out of memory/i.test(error.message);
    this.gpuError = isOom ? new GpuOutOfMemoryError(what, bytes, error.message) : new GpuInternalError(error.message);
  }

  private checkAlive(): void {
    if (this.disposed) throw new BackendError('The WebGPU backend was disposed');
    if (this.lostInfo) throw new GpuDeviceLostError(this.lostInfo.reason, this.lostInfo.message);
  }

  /** Throws the first GPU error reported so far (after waiting for the outstanding error scopes). */
  private async throwPendingErrors(): Promise<void> {
    while (this.checks.length > 0) await Promise.all(this.checks.splice(0));
    if (this.lostInfo) throw new GpuDeviceLostError(this.lostInfo.reason, this.lostInfo.message);
    if (this.gpuError) throw this.gpuError;
  }

  private allocate(label: string, size: number, usage: number): GpuBuf {
    this.checkAlive();
    const bytes = align(Math.max(size, 16), 16);
    if (bytes > this.maxBufferSize) throw new GpuLimitError(label, bytes, 'maxBufferSize', this.maxBufferSize);
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ label, size: bytes, usage });
    this.checks.push(
      this.device.popErrorScope().then((e) => {
        if (e) this.recordError(e, label, bytes);
      }),
    );
    return new GpuBuf(buffer, bytes, label);
  }

  private submit(): void {
    if (!this.frame.pending) return;
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.frame.submit();
    for (let i = 0; i < 2; i++) {
      this.checks.push(
        this.device.popErrorScope().then((e) => {
          if (e) this.recordError(e, 'queued work');
        }),
      );
    }
  }

  // ---- handles -----------------------------------------------------------------------------------

  private act(t: Tensor, what = 'activation'): GpuTensor {
    if (!(t instanceof GpuTensor)) throw new BackendError(`${t.name} is not a ${what} tensor of this WebGPU backend`);
    if (t.buf.destroyed) throw new BackendError(`${t.name} was freed`);
    return t;
  }

  private weight(t: Tensor): GpuWeight {
    if (!(t instanceof GpuWeight)) throw new BackendError(`${t.name} is not a weight of this WebGPU backend`);
    if (t.pieces[0].buf.destroyed) throw new BackendError(`${t.name} was freed`);
    return t;
  }

  private cache(c: KvCache): GpuKvCache {
    if (!(c instanceof GpuKvCache)) throw new BackendError('not a KV cache of this WebGPU backend');
    if (c.k[0]?.destroyed) throw new BackendError('the KV cache was freed');
    return c;
  }

  /** An f32 vector operand (norm weights, RoPE factors): an F32 weight or an activation tensor. */
  private vector(t: Tensor): BufferRange {
    if (t instanceof GpuWeight) {
      const w = this.weight(t);
      if (w.format.type !== GgmlType.F32 || w.pieces.length !== 1) {
        throw new BackendError(`${t.name} must be an F32 vector (it is ${w.typeName})`);
      }
      return { buf: w.pieces[0].buf };
    }
    return { buf: this.act(t).buf };
  }

  // ---- memory ------------------------------------------------------------------------------------

  createWeight(spec: WeightSpec): Tensor {
    const format = gpuWeightFormat(spec.type);
    if (!format) throw new UnsupportedTypeError(spec.type, 'webgpu', spec.name);
    const cols = spec.shape[0];
    const rows = spec.shape.slice(1).reduce((a, b) => a * b, 1);
    if (cols % format.blockElems !== 0) {
      throw new BackendError(`${spec.name}: ${cols} columns is not a whole number of blocks of ${format.blockElems}`);
    }
    const geometry = rowGeometry(format, cols);
    const rowsPerPiece = Math.floor(this.maxBindingBytes / geometry.dstRowBytes);
    if (rowsPerPiece < 1) {
      throw new GpuLimitError(
        `one row of ${spec.name}`,
        geometry.dstRowBytes,
        'maxStorageBufferBindingSize',
        this.maxBindingBytes,
      );
    }
    const pieces: WeightPiece[] = [];
    for (let row0 = 0; row0 < rows; row0 += rowsPerPiece) {
      const n = Math.min(rowsPerPiece, rows - row0);
      const label = pieces.length === 0 && n === rows ? spec.name : `${spec.name}[${row0}..${row0 + n})`;
      pieces.push({
        buf: this.allocate(label, n * geometry.dstRowBytes, Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC),
        row0,
        rows: n,
      });
    }
    return new GpuWeight(spec.name, spec.shape, spec.type, format, geometry, pieces);
  }

  async uploadWeight(t: Tensor, byteOffset: number, bytes: Uint8Array): Promise<void> {
    const w = this.weight(t);
    const total = w.geometry.srcRowBytes * w.rows;
    if (byteOffset < 0 || byteOffset + bytes.byteLength > total) {
      throw new BackendError(
        `Upload of ${bytes.byteLength} bytes at ${byteOffset} overflows ${w.name} (${total} bytes)`,
      );
    }
    this.submit(); // earlier ops must not see these bytes (writeBuffer lands before the next submit)
    writeWeightBytes(this.device.queue, w, byteOffset, bytes);
    this.uploadedSinceWait += bytes.byteLength;
    if (this.uploadedSinceWait >= UPLOAD_WAIT_BYTES) {
      this.uploadedSinceWait = 0;
      await this.device.queue.onSubmittedWorkDone();
    }
  }

  createTensor(name: string, shape: readonly number[], dtype: ActivationType = 'f32'): Tensor {
    const elements = shape.reduce((a, b) => a * b, 1);
    // Larger than one binding is allowed (logits of a long batch): matmul writes it in windows of 64-token
    // chunks; other ops refuse it with GpuLimitError when they would bind it whole.
    const bytes = elements * 4;
    const buf = this.allocate(name, bytes, Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC);
    return new GpuTensor(name, shape, dtype, buf);
  }

  writeTensor(t: Tensor, data: Float32Array, offset = 0): void {
    const a = this.act(t);
    if (offset < 0 || offset + data.length > a.elements) {
      throw new BackendError(`writeTensor: ${data.length} values at ${offset} overflow ${a.name} (${a.elements})`);
    }
    if (data.length === 0) return;
    if (this.frame.pending && data.byteLength <= ARENA_BYTES / 4) {
      // keep call order: stage in the arena and copy inside the recorded commands
      this.frame.begin(Frame.need(data.byteLength));
      const at = this.frame.stage(data);
      this.frame.copy(this.frame.arena, at * 4, a.buf, offset * 4, data.byteLength);
      return;
    }
    this.submit();
    this.device.queue.writeBuffer(a.buf.buffer, offset * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  async readTensor(t: Tensor, offset = 0, count?: number): Promise<Float32Array> {
    this.checkAlive();
    if (t instanceof GpuWeight) return this.readWeight(this.weight(t), offset, count);
    const a = this.act(t);
    const n = count ?? a.elements - offset;
    if (offset < 0 || n < 0 || offset + n > a.elements) {
      throw new BackendError(`readTensor: ${n} values at ${offset} are outside ${a.name} (${a.elements})`);
    }
    const bytes = await this.readBack([{ buf: a.buf, offset: offset * 4, size: n * 4 }]);
    return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  }

  private async readWeight(w: GpuWeight, offset: number, count: number | undefined): Promise<Float32Array> {
    const elements = w.rows * w.cols;
    const n = count ?? elements - offset;
    if (offset < 0 || n < 0 || offset + n > elements) {
      throw new BackendError(`readTensor: ${n} values at ${offset} are outside ${w.name} (${elements})`);
    }
    if (w.format.type === GgmlType.F32 /* rows are stored as they are */) {
      // pieces hold consecutive whole rows: element e sits at byte 4 (e - cols * row0) of its piece
      const ranges = [];
      for (const p of w.pieces) {
        const from = Math.max(offset, p.row0 * w.cols);
        const to = Math.min(offset + n, (p.row0 + p.rows) * w.cols);
        if (from < to) ranges.push({ buf: p.buf, offset: (from - p.row0 * w.cols) * 4, size: (to - from) * 4 });
      }
      const bytes = await this.readBack(ranges);
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    }
    // dequantize the rows asked for on the GPU, as many at a time as one binding holds
    const out = new Float32Array(n);
    const firstRow = Math.floor(offset / w.cols);
    const endRow = Math.ceil((offset + n) / w.cols);
    const batch = Math.max(1, Math.min(endRow - firstRow, Math.floor(this.maxBindingBytes / (w.cols * 4))));
    const tmp = this.act(this.createTensor(`${w.name} (dequantized)`, [batch, w.cols]));
    try {
      for (let r = firstRow; r < endRow; r += batch) {
        const rows = Math.min(batch, endRow - r);
        this.dispatchGetRows(tmp, w, r, rows);
        const from = Math.max(offset, r * w.cols); // element range of this batch inside [offset, offset + n)
        const to = Math.min(offset + n, (r + rows) * w.cols);
        const bytes = await this.readBack([{ buf: tmp.buf, offset: (from - r * w.cols) * 4, size: (to - from) * 4 }]);
        out.set(new Float32Array(bytes.buffer, bytes.byteOffset, to - from), from - offset);
      }
      return out;
    } finally {
      this.free(tmp);
    }
  }

  /** Copies buffer ranges (concatenated) to the CPU after all recorded work. */
  private async readBack(ranges: readonly { buf: GpuBuf; offset: number; size: number }[]): Promise<Uint8Array> {
    const total = ranges.reduce((s, r) => s + r.size, 0);
    const out = new Uint8Array(total);
    if (total === 0) return out;
    const staging = this.takeStaging(align(total, 4));
    let at = 0;
    for (const r of ranges) {
      // copy sizes must be multiples of 4: f32 ranges always are
      this.frame.copy(r.buf, r.offset, staging, at, r.size);
      at += r.size;
    }
    this.submit();
    try {
      await staging.buffer.mapAsync(MAP_READ_MODE, 0, staging.size);
    } catch (e) {
      // a lost device rejects the mapping before its `lost` promise settles: give it a moment
      await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
      await this.throwPendingErrors();
      throw new GpuInternalError(`reading back failed: ${(e as Error).message}`);
    }
    out.set(new Uint8Array(staging.buffer.getMappedRange(0, staging.size), 0, total));
    staging.buffer.unmap();
    this.staging.push(staging);
    await this.throwPendingErrors();
    return out;
  }

  private takeStaging(size: number): GpuBuf {
    const i = this.staging.findIndex((b) => b.size >= size && b.size <= 4 * size + 65536);
    if (i >= 0) return this.staging.splice(i, 1)[0];
    while (this.staging.length > 4) this.staging.shift()?.destroy();
    return this.allocate('read-back staging', size, Usage.MAP_READ | Usage.COPY_DST);
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    const { nLayer, nCtx, nHeadKv, headDim, type } = spec;
    if (headDim % 4 !== 0 || headDim > ATTN_MAX_HEAD_DIM) {
      throw new BackendError(
        `The WebGPU attention kernel needs headDim a multiple of 4 up to ${ATTN_MAX_HEAD_DIM}, got ${headDim}`,
      );
    }
    const bytes = nCtx * nHeadKv * headDim * kvElementBytes(type);
    if (bytes > this.maxBindingBytes) {
      throw new GpuLimitError(
        `one layer of a ${nCtx}-cell KV cache`,
        bytes,
        'maxStorageBufferBindingSize',
        this.maxBindingBytes,
      );
    }
    const usage = Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC;
    const k = Array.from({ length: nLayer }, (_, l) => this.allocate(`kv.k[${l}]`, bytes, usage));
    const v = Array.from({ length: nLayer }, (_, l) => this.allocate(`kv.v[${l}]`, bytes, usage));
    return new GpuKvCache(spec, kvStorage(type, this.caps), k, v);
  }

  /** Same format as the reference backend: f32 `[nCells]` then per layer K cells, V cells (as f32). */
  async saveKvCache(cache: KvCache, nCells: number): Promise<Uint8Array> {
    const c = this.cache(cache);
    const eb = kvElementBytes(c.spec.type);
    const layerBytes = nCells * c.row * eb;
    const ranges = [];
    for (let l = 0; l < c.spec.nLayer; l++) {
      ranges.push({ buf: c.k[l], offset: 0, size: align(layerBytes, 4) });
      ranges.push({ buf: c.v[l], offset: 0, size: align(layerBytes, 4) });
    }
    const raw = await this.readBack(ranges);
    const out = new Float32Array(2 * c.spec.nLayer * nCells * c.row + 1);
    out[0] = nCells;
    const per = nCells * c.row;
    for (let i = 0; i < 2 * c.spec.nLayer; i++) {
      const src = raw.subarray(i * align(layerBytes, 4));
      if (eb === 4) out.set(new Float32Array(src.buffer, src.byteOffset, per), 1 + i * per);
      else {
        const h = new Uint16Array(src.buffer, src.byteOffset, per);
        for (let j = 0; j < per; j++) out[1 + i * per + j] = f16ToF32(h[j]);
      }
    }
    return new Uint8Array(out.buffer);
  }

  loadKvCache(cache: KvCache, bytes: Uint8Array): number {
    const c = this.cache(cache);
    const f = new Float32Array(bytes.slice().buffer);
    const nCells = f[0];
    if (!Number.isInteger(nCells) || nCells > c.spec.nCtx || f.length !== 2 * c.spec.nLayer * nCells * c.row + 1) {
      throw new BackendError('KV cache data does not match this cache (different model or context size)');
    }
    this.submit();
    const per = nCells * c.row;
    for (let i = 0; i < 2 * c.spec.nLayer; i++) {
      const buf = (i % 2 === 0 ? c.k : c.v)[i >> 1];
      const src = f.subarray(1 + i * per, 1 + (i + 1) * per);
      if (c.spec.type === 'f32') {
        this.device.queue.writeBuffer(buf.buffer, 0, src.buffer, src.byteOffset, src.byteLength);
      } else {
        const h = new Uint16Array(align(per, 2));
        for (let j = 0; j < per; j++) h[j] = f32ToF16(src[j]);
        this.device.queue.writeBuffer(buf.buffer, 0, h.buffer, 0, h.byteLength);
      }
    }
    return nCells;
  }

  free(t: Tensor | KvCache): void {
    if (this.disposed) return;
    this.submit(); // recorded work may still use the buffers
    if (t instanceof GpuTensor) t.buf.destroy();
    else if (t instanceof GpuWeight) for (const p of t.pieces) p.buf.destroy();
    else if (t instanceof GpuKvCache) for (const b of [...t.k, ...t.v]) b.destroy();
    this.pipelines.dropBindGroups();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.frame.destroy();
    for (const b of this.staging) b.destroy();
    this.scratch?.destroy();
    this.pipelines.dropBindGroups();
    if (this.acquired.owned) this.device.destroy();
    this.acquired.gpu = undefined; // lets Node exit (Dawn's instance lives while referenced)
  }

  // ---- dispatch helpers --------------------------------------------------------------------------

  private run(
    spec: KernelSpec,
    ranges: readonly BufferRange[],
    values: Record<string, number>,
    g: readonly [number, number, number],
  ): void {
    for (const r of ranges) {
      const size = r.size ?? r.buf.size;
      // (the 1 MiB arena is below every device's limit; only a test's maxBindingBytes is smaller)
      if (size > this.maxBindingBytes && r.buf !== this.frame.arena) {
        throw new GpuLimitError(
          `${r.buf.label} (bound whole by ${spec.key})`,
          size,
          'maxStorageBufferBindingSize',
          this.maxBindingBytes,
        );
      }
    }
    const p = this.pipelines.get(spec);
    const bg = this.pipelines.bindGroup(p, this.frame.arena, ranges);
    this.frame.dispatch(p, bg, values, g);
  }

  /** A scratch buffer of at least `bytes` (contents undefined), replacing a smaller one. */
  private scratchBuffer(bytes: number): GpuBuf {
    if (!this.scratch || this.scratch.size < bytes) {
      this.submit();
      this.scratch?.destroy();
      this.scratch = this.allocate(
        'scratch',
        Math.max(bytes, 1 << 16),
        Usage.STORAGE | Usage.COPY_DST | Usage.COPY_SRC,
      );
      this.pipelines.dropBindGroups();
    }
    return this.scratch;
  }

  /** `a` as a binding that may sit beside a writable binding of `out`: a scratch copy when they alias. */
  private readable(a: GpuTensor, out: GpuTensor, count: number): BufferRange {
    if (a.buf !== out.buf) return { buf: a.buf };
    const s = this.scratchBuffer(count * 4);
    this.frame.copy(a.buf, 0, s, 0, count * 4);
    return { buf: s, offset: 0, size: align(count * 4, 16) };
  }

  private checkRows(what: string, t: GpuTensor, n: number, cols?: number): void {
    if (n > t.rows) throw new BackendError(`${what}: ${n} rows requested, ${t.name} has ${t.rows}`);
    if (cols !== undefined && t.cols !== cols)
      throw new BackendError(`${what}: ${t.name} has ${t.cols} columns, ${cols} expected`);
  }

  // ---- ops ---------------------------------------------------------------------------------------

  getRows(out: Tensor, table: Tensor, ids: Int32Array): void {
    this.checkAlive();
    const w = this.weight(table);
    const o = this.act(out);
    for (const id of ids) {
      if (id < 0 || id >= w.rows) throw new BackendError(`Row ${id} out of range for ${w.name} (${w.rows} rows)`);
    }
    this.checkRows('getRows', o, ids.length, w.cols);
    if (ids.length === 0) return;
    this.dispatchGetRows(o, w, ids, ids.length);
  }

  /** Dequantizes rows `ids` (or rows `ids .. ids + n - 1` when a number) of `w` into `o`. */
  private dispatchGetRows(o: GpuTensor, w: GpuWeight, ids: Int32Array | number, n: number): void {
    if (w.cols % 32 !== 0)
      throw new BackendError(`${w.name}: the WebGPU kernels need a multiple of 32 columns, not ${w.cols}`);
    const list = typeof ids === 'number' ? undefined : ids;
    this.frame.begin(Frame.need((list?.byteLength ?? 0) + w.pieces.length * P, 1 + w.pieces.length));
    const idsOff = list ? this.frame.stage(list) : (ids as number);
    const spec = getRowsKernel(w.format);
    for (const piece of w.pieces) {
      this.run(
        spec,
        [{ buf: o.buf }, { buf: piece.buf }, { buf: this.frame.arena }],
        {
          n,
          cols: w.cols,
          groups: w.cols / 32,
          row0: piece.row0,
          rows: piece.rows,
          row_words: w.geometry.dstRowBytes / 4,
          ids_off: idsOff,
          identity: list ? 0 : 1,
        },
        grid(n),
      );
    }
  }

  matmul(out: Tensor, weight: Tensor, x: Tensor, n: number): void {
    this.checkAlive();
    const w = this.weight(weight);
    const o = this.act(out);
    const xt = this.act(x);
    if (xt.cols !== w.cols)
      throw new BackendError(`matmul: ${x.name} has ${xt.cols} columns, ${w.name} needs ${w.cols}`);
    this.checkRows('matmul', xt, n);
    this.checkRows('matmul', o, n, w.rows);
    if (o.buf === xt.buf) throw new BackendError('matmul: out and x must be different tensors');
    if (w.cols % 32 !== 0)
      throw new BackendError(`${w.name}: the WebGPU kernels need a multiple of 32 columns, not ${w.cols}`);
    if (n === 0) return;
    // tensors beyond one binding are bound in windows of whole 64-token chunks (offsets stay aligned)
    const windowed = o.buf.size > this.maxBindingBytes || xt.buf.size > this.maxBindingBytes;
    let chunk = n;
    if (windowed) {
      const perToken = Math.max(w.rows, w.cols) * 4;
      chunk = Math.floor(this.maxBindingBytes / perToken / 64) * 64;
      if (chunk < 64) {
        throw new GpuLimitError(
          `64 tokens of ${out.name}`,
          64 * perToken,
          'maxStorageBufferBindingSize',
          this.maxBindingBytes,
        );
      }
    }
    for (let t0 = 0; t0 < n; t0 += chunk) this.matmulChunk(o, w, xt, t0, Math.min(chunk, n - t0), windowed);
  }

  /** The most rows per workgroup that still leaves {@link MIN_MATVEC_WORKGROUPS} workgroups. */
  private matvecShapeFor(rows: number): MatvecShape {
    return (
      this.matvecShapes.find((s) => s.rows === 1 || rows / s.rows >= MIN_MATVEC_WORKGROUPS) ?? this.matvecShapes[0]
    );
  }

  /** Tokens `t0 .. t0 + n` of a matmul, every weight piece. */
  private matmulChunk(o: GpuTensor, w: GpuWeight, xt: GpuTensor, t0: number, n: number, windowed: boolean): void {
    this.frame.begin(Frame.need(w.pieces.length * P, w.pieces.length));
    const nt = MATVEC_TOKENS.find((k) => k >= n);
    const groups = w.cols / 32;
    // long rows: several rows per workgroup; short ones: several workgroup segments per row
    const rowsShape = groups >= this.matvecShapes[0].workgroupSize ? this.matvecShapeFor(w.rows) : undefined;
    const tpr = matvecThreadsPerRow(groups);
    const spec = !nt
      ? tiledMatmulKernel(w.format)
      : rowsShape
        ? matvecRowsKernel(w.format, nt, this.caps, rowsShape)
        : matvecKernel(w.format, nt, this.caps, tpr);
    const rowsPerGroup = rowsShape ? rowsShape.rows : MATVEC_WG / tpr;
    const out: BufferRange = windowed ? { buf: o.buf, offset: t0 * w.rows * 4, size: n * w.rows * 4 } : { buf: o.buf };
    const x: BufferRange = windowed ? { buf: xt.buf, offset: t0 * w.cols * 4, size: n * w.cols * 4 } : { buf: xt.buf };
    for (const piece of w.pieces) {
      const g: [number, number, number] = nt
        ? grid(Math.ceil(piece.rows / rowsPerGroup))
        : [Math.ceil(piece.rows / TILE_ROWS), Math.ceil(n / TILE_TOKENS), 1];
      this.run(
        spec,
        [out, { buf: piece.buf }, x],
        {
          n,
          cols: w.cols,
          groups: w.cols / 32,
          rows: piece.rows,
          row0: piece.row0,
          out_stride: w.rows,
          row_words: w.geometry.dstRowBytes / 4,
        },
        g,
      );
    }
  }

  rmsNorm(out: Tensor, x: Tensor, weight: Tensor, eps: number, n: number): void {
    this.checkAlive();
    const o = this.act(out);
    const xt = this.act(x);
    this.checkRows('rmsNorm', xt, n);
    this.checkRows('rmsNorm', o, n, xt.cols);
    if (n === 0) return;
    const g = this.vector(weight);
    this.frame.begin(Frame.need(P));
    const inPlace = o.buf === xt.buf;
    const ranges = inPlace ? [{ buf: o.buf }, g] : [{ buf: o.buf }, { buf: xt.buf }, g];
    this.run(rmsNormKernel(this.caps, inPlace, xt.cols % 4 === 0), ranges, { cols: xt.cols, eps }, grid(n));
  }

  rope(x: Tensor, positions: Int32Array, p: RopeParams): void {
    this.checkAlive();
    const xt = this.act(x);
    const n = positions.length;
    if (p.nDims % 2 !== 0 || p.nDims > p.headDim)
      throw new BackendError(`rope: nDims ${p.nDims} must be even and <= headDim`);
    if (xt.cols !== p.nHead * p.headDim)
      throw new BackendError(`rope: ${x.name} has ${xt.cols} columns, not nHead * headDim`);
    this.checkRows('rope', xt, n);
    if (n === 0 || p.nDims === 0) return;
    const thetas = ropeThetaBase(p.nDims, p.freqBase, p.freqScale);
    this.frame.begin(Frame.need(positions.byteLength + thetas.byteLength + P, 3));
    const posOff = this.frame.stage(positions);
    const thetaOff = this.frame.stage(thetas);
    const ranges: BufferRange[] = [{ buf: xt.buf }, { buf: this.frame.arena }];
    if (p.freqFactors) ranges.push(this.vector(p.freqFactors));
    const pairs = n * p.nHead * (p.nDims / 2);
    this.run(
      ropeKernel(!!p.freqFactors),
      ranges,
      {
        total: pairs,
        n_head: p.nHead,
        head_dim: p.headDim,
        half: p.nDims / 2,
        neox: p.mode === 'neox' ? 1 : 0,
        pos_off: posOff,
        theta_off: thetaOff,
      },
      ropeGrid(pairs),
    );
  }

  copyRows(dst: Tensor, src: Tensor, srcRow: number, dstRow: number, n: number): void {
    this.checkAlive();
    const d = this.act(dst);
    const s = this.act(src);
    if (s.cols !== d.cols) throw new BackendError(`copyRows: ${src.name} and ${dst.name} differ in columns`);
    if (srcRow + n > s.rows || dstRow + n > d.rows || srcRow < 0 || dstRow < 0) {
      throw new BackendError(`copyRows: rows out of range`);
    }
    const bytes = n * s.cols * 4;
    if (bytes === 0) return;
    if (s.buf !== d.buf) {
      this.frame.copy(s.buf, srcRow * s.cols * 4, d.buf, dstRow * d.cols * 4, bytes);
      return;
    }
    // one buffer cannot be both source and destination of a copy: go through scratch
    const tmp = this.scratchBuffer(bytes);
    this.frame.copy(s.buf, srcRow * s.cols * 4, tmp, 0, bytes);
    this.frame.copy(tmp, 0, d.buf, dstRow * d.cols * 4, bytes);
  }

  add(out: Tensor, a: Tensor, b: Tensor, n: number): void {
    // addition commutes: put the aliased operand first so that it is bound once, in place
    const swap = out === b && out !== a;
    this.elementwise('add', out, swap ? b : a, swap ? a : b, n);
  }

  swiglu(out: Tensor, gate: Tensor, up: Tensor, n: number): void {
    this.elementwise('swiglu', out, gate, up, n);
  }

  private elementwise(op: ElementwiseOp, out: Tensor, a: Tensor, b: Tensor, n: number): void {
    this.checkAlive();
    const o = this.act(out);
    const at = this.act(a);
    const bt = this.act(b);
    this.checkRows(op, at, n);
    this.checkRows(op, bt, n, at.cols);
    this.checkRows(op, o, n, at.cols);
    const count = n * at.cols;
    if (count === 0) return;
    this.frame.begin(Frame.need(P));
    const inPlace = o.buf === at.buf;
    const br = this.readable(bt, o, count);
    const ranges = inPlace ? [{ buf: o.buf }, br] : [{ buf: o.buf }, { buf: at.buf }, br];
    this.run(elementwiseKernel(op, inPlace), ranges, { count }, elementwiseGrid(count));
  }

  writeKv(cache: KvCache, layer: number, cell0: number, k: Tensor, v: Tensor, n: number): void {
    this.checkAlive();
    const c = this.cache(cache);
    const kt = this.act(k);
    const vt = this.act(v);
    if (layer < 0 || layer >= c.spec.nLayer) throw new BackendError(`writeKv: layer ${layer} out of range`);
    if (cell0 < 0 || cell0 + n > c.spec.nCtx)
      throw new BackendError(`KV write of ${n} cells at ${cell0} overflows ${c.spec.nCtx}`);
    this.checkRows('writeKv', kt, n, c.row);
    this.checkRows('writeKv', vt, n, c.row);
    if (n === 0) return;
    this.frame.begin(Frame.need(P));
    const pairs = (n * c.row) / 2;
    this.run(
      writeKvKernel(c.storage, this.caps),
      [{ buf: c.k[layer] }, { buf: c.v[layer] }, { buf: kt.buf }, { buf: vt.buf }],
      { pairs, base: (cell0 * c.row) / 2 },
      kvGrid(pairs),
    );
  }

  attention(out: Tensor, q: Tensor, cache: KvCache, layer: number, n: number, p: AttentionParams): void {
    this.checkAlive();
    const c = this.cache(cache);
    const o = this.act(out);
    const qt = this.act(q);
    if (p.nHeadKv * p.headDim !== c.row || p.nHead % p.nHeadKv !== 0) {
      throw new BackendError(`attention: heads (${p.nHead}/${p.nHeadKv} x ${p.headDim}) do not match the cache`);
    }
    if (p.pos0 < 0 || p.pos0 + n > c.spec.nCtx)
      throw new BackendError(`attention: positions ${p.pos0}..${p.pos0 + n} exceed the cache`);
    this.checkRows('attention', qt, n, p.nHead * p.headDim);
    this.checkRows('attention', o, n, p.nHead * p.headDim);
    if (o.buf === qt.buf) throw new BackendError('attention: out and q must be different tensors');
    if (n === 0) return;
    const values = {
      n,
      n_head: p.nHead,
      group: p.nHead / p.nHeadKv,
      head_dim: p.headDim,
      pos0: p.pos0,
      scale: p.scale,
      kv_stride: c.row,
      n_splits: 1,
      split_len: p.pos0 + n,
    };
    const kv = [{ buf: c.k[layer] }, { buf: c.v[layer] }];
    const hpw = attentionHeadsPerWorkgroup(p.nHead / p.nHeadKv);
    const nSplits = Math.ceil((p.pos0 + n) / this.attentionSplitCells);
    if (n > 8 || nSplits < 2) {
      this.frame.begin(Frame.need(P));
      this.run(
        attentionKernel(c.storage, this.caps, false, hpw),
        [{ buf: o.buf }, { buf: qt.buf }, ...kv],
        values,
        grid((n * p.nHead) / hpw),
      );
      return;
    }
    // decode over a long cache: ranges of cells in parallel, then merged
    const partBytes = align(n * p.nHead * nSplits * (p.headDim + 2) * 4, 16);
    const part = { buf: this.scratchBuffer(partBytes), offset: 0, size: partBytes };
    this.frame.begin(Frame.need(2 * P, 2));
    this.run(
      attentionKernel(c.storage, this.caps, true, hpw),
      [part, { buf: qt.buf }, ...kv],
      { ...values, n_splits: nSplits, split_len: this.attentionSplitCells },
      grid(((n * p.nHead) / hpw) * nSplits),
    );
    this.run(
      attentionCombineKernel(),
      [{ buf: o.buf }, part],
      { n, n_head: p.nHead, head_dim: p.headDim, n_splits: nSplits },
      grid(n * p.nHead),
    );
  }

  shiftKv(cache: KvCache, src: number, dst: number, count: number, delta: number, rope: RopeParams): void {
    this.checkAlive();
    const c = this.cache(cache);
    if (count <= 0) return;
    if (src < 0 || dst < 0 || src + count > c.spec.nCtx || dst + count > c.spec.nCtx) {
      throw new BackendError(`shiftKv: cells out of range`);
    }
    const eb = kvElementBytes(c.spec.type);
    const bytes = count * c.row * eb;
    const tmp = this.scratchBuffer(align(bytes, 16));
    const thetas = ropeThetaBase(rope.nDims, rope.freqBase, rope.freqScale);
    const factors = rope.freqFactors ? this.vector(rope.freqFactors) : undefined;
    const spec = shiftKKernel(c.storage, this.caps, !!factors);
    const pairs = (count * c.row) / 2;
    for (let l = 0; l < c.spec.nLayer; l++) {
      this.frame.begin(Frame.need(thetas.byteLength + P, 2));
      const thetaOff = this.frame.stage(thetas);
      // values move as they are; keys move through scratch and are re-rotated on the way back
      this.frame.copy(c.v[l], src * c.row * eb, tmp, 0, align(bytes, 4));
      this.frame.copy(tmp, 0, c.v[l], dst * c.row * eb, align(bytes, 4));
      this.frame.copy(c.k[l], src * c.row * eb, tmp, 0, align(bytes, 4));
      const ranges: BufferRange[] = [
        { buf: c.k[l] },
        { buf: tmp, offset: 0, size: align(bytes, 16) },
        { buf: this.frame.arena },
      ];
      if (factors) ranges.push(factors);
      this.run(
        spec,
        ranges,
        {
          pairs,
          base: (dst * c.row) / 2,
          head_dim: c.spec.headDim,
          n_dims: rope.nDims,
          neox: rope.mode === 'neox' ? 1 : 0,
          delta,
          theta_off: thetaOff,
        },
        kvGrid(pairs),
      );
    }
  }
}

/**
 * The WebAssembly backend: AssemblyScript SIMD kernels (assembly/), run on one or more wasm memories
 * ("memory groups", each at most 4 GiB) by the calling thread and a pool of workers sharing the memories.
 *
 * Placement: a weight goes to the group already holding its layer when there is room, else to the group
 * that received the previous weight, else to any group with room, else to a new group; a KV cache layer
 * goes to its weights' group when it fits. An op runs in the group of its weight or cache (else of its
 * output); activations that live in another group are copied into a staging buffer of that group for the
 * op (a few KiB per token: cheap next to streaming the weights). A model below 4 GiB uses one group and
 * never copies.
 *
 * Every op runs when it is called; readTensor only copies out.
 */
import { type GgmlType, ggmlByteSize, ggmlTypeInfo } from '@llamats/gguf-format';
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
import { dequantize } from '../quant/registry.js';
import { checkRowsView } from '../rows-view.js';
import { DecodeTuner, type DecodeTuning, type DecodeVariant } from './decode-tuner.js';
import { probeDotAdd } from './dot-add-probe.js';
import { canBlock, hardwareThreads, relaxedSimdAvailable, sharedMemoryAvailable } from './environment.js';
import { kernelModule } from './kernel-module.js';
import { KERNEL_INDEX, type KernelName, kernelArity } from './kernel-names.js';
import { MemoryGroup, WasmMemoryError } from './memory-group.js';
import { placedBlocks, planUpload } from './placement.js';
import { fillRopeTable, ropeThetas } from './rope-table.js';
import { WasmActivation, WasmKvCache, type WasmKvLayer, WasmWeight } from './tensors.js';
import { ThreadPool } from './thread-pool.js';
import {
  type ActivationForm,
  activationFormFor,
  activationRecordBytes,
  type KernelBuild,
  MATMUL_ROWS_PER_CHUNK,
  PRODUCT_MODE_CODE,
  type ProductMode,
  productMode,
  unpackedRowBytes,
  type WeightKernels,
  weightKernels,
} from './weight-kernels.js';

export interface WasmBackendOptions {
  /** Compute threads including the caller: `'auto'` (default) = the cores available, or a number. */
  readonly threads?: number | 'auto';
  /**
   * Bytes each wasm memory may reach (default 4 GiB - 64 KiB, the wasm32 limit). Smaller values spread
   * a model over more memories (tests use this to exercise multi-memory placement).
   */
  readonly memoryBytesPerGroup?: number;
  /** Bytes of each memory kept for scratch buffers rather than tensors (default 256 MiB, at most a quarter). */
  readonly scratchReserveBytes?: number;
  /**
   * Ops estimated to take less than this many nanoseconds on one thread run on the calling thread alone
   * (waking workers costs microseconds). Default 30000; 0 splits every op (tests use this).
   */
  readonly parallelThreshold?: number;
  /** Microseconds a waiting thread spins before it blocks (default 50). */
  readonly spinMicros?: number;
  /**
   * Use the relaxed-SIMD kernels (8-bit dot products, about twice the integer throughput): `'auto'`
   * (default) where the engine has relaxed SIMD (in Node 20 by enabling V8's flag at run time), `false`
   * for the SIMD-128 kernels everywhere. Results differ slightly between the two (summation order).
   */
  readonly relaxedSimd?: boolean | 'auto';
  /**
   * Add up 8-bit products with the fused dot-add (`i32x4.relaxed_dot_i8x16_i7x16_add_s`; the VNNI build of
   * the relaxed kernels): `'auto'` (default) where the engine runs it as one instruction (AVX-VNNI
   * `vpdpbusd`: Node 24 and current Chromium on such CPUs; decided once per process by timing it, see
   * src/wasm/dot-add-probe.ts), `false` never, `true` wherever it computes right (slower where it is
   * emulated). Results are the same either way. Ignored without relaxed SIMD.
   */
  readonly vnni?: boolean | 'auto';
  /**
   * How decode products stream their weights (src/wasm/decode-tuner.ts): `'auto'` (default) times the
   * variants on the first decode products and keeps the fastest on this CPU; a variant fixes it. Results
   * are the same either way.
   */
  readonly decodeStreaming?: 'auto' | DecodeVariant;
}

const MAX_GROUP_BYTES = 65535 * 65536;
const DEFAULT_RESERVE = 256 << 20;
const DEFAULT_PARALLEL_THRESHOLD = 30_000;
/**
 * Rough single-thread costs (nanoseconds per unit) used to decide whether an op is worth splitting
 * across threads; measured on a 2-core server, they only need to be right within a factor of two.
 */
const NS = {
  /** per weight byte and token */
  matmulByte: 0.12,
  quantize: 1,
  dequantize: 0.5,
  elementwise: 0.3,
  exp: 1.5,
  toHalf: 2,
  /** per query value and cell */
  attention: 0.4,
  /** per rotated value */
  rope: 1,
  /** per weight byte rearranged at upload */
  placeByte: 0.1,
};

/** Ops estimated shorter than this (ns) use the workers that are awake but do not wake sleeping ones. */
const WAKE_THRESHOLD_NS = 150_000;

/** Writes of at least this many bytes fault their pages in on every thread first (see touchPages). */
const TOUCH_MIN_BYTES = 1 << 20;

/** Attention scores per chunk (assembly/attention.ts CHUNK). */
const ATTENTION_CHUNK = 128;
/** Query rows per attention work item (assembly/attention.ts QUERY_BLOCK). */
const ATTENTION_QUERY_BLOCK = 16;

/** An activation or f32 weight that an op reads as f32 values. */
type F32Source = WasmActivation | WasmWeight;

interface RopeCache {
  group: MemoryGroup;
  ptr: number;
  params: RopeParams;
  positions: Int32Array;
}

/**
 * Creates the wasm backend. Threads need SharedArrayBuffer (always in Node; in browsers only on
 * cross-origin isolated pages): without it the backend runs on one thread and says so in `info.detail`.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<Backend> {
  return WasmBackend.create(options);
}

export class WasmBackend implements Backend {
  readonly info: BackendInfo;
  private readonly groups: MemoryGroup[] = [];
  private readonly layerGroups = new Map<number, MemoryGroup>();
  private lastWeightGroup: MemoryGroup | undefined;
  private ropeCache: RopeCache | undefined;
  private disposed = false;
  private readonly capacity: number;
  private readonly reserve: number;
  private readonly parallelThreshold: number;
  private readonly decodeTuner: DecodeTuner;
  /** The build of the kernels: SIMD-128, relaxed SIMD, or relaxed with the fused dot-add (VNNI). */
  private readonly build: KernelBuild;

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly shared: boolean,
    /** The relaxed-SIMD kernels (8-bit activation levels and products). */
    private readonly relaxed: boolean,
    vnni: boolean,
    private readonly pool: ThreadPool | undefined,
    first: MemoryGroup,
    options: WasmBackendOptions,
    detail: string,
  ) {
    this.build = relaxed ? (vnni ? 'vnni' : 'relaxed') : 'simd128';
    this.capacity = first.options.capacity;
    this.reserve = first.options.scratchReserve;
    this.parallelThreshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
    const streaming = options.decodeStreaming ?? 'auto';
    this.decodeTuner = new DecodeTuner(streaming === 'auto' ? undefined : streaming);
    this.groups.push(first);
    this.info = { kind: 'wasm', threads: pool ? pool.threads : 1, detail };
  }

  static async create(options: WasmBackendOptions): Promise<WasmBackend> {
    const requested = options.threads ?? 'auto';
    if (requested !== 'auto' && (!Number.isInteger(requested) || requested < 1)) {
      throw new BackendError(`threads must be 'auto' or a positive integer, not ${requested}`);
    }
    const streaming: unknown = options.decodeStreaming ?? 'auto';
    if (
      streaming !== 'auto' &&
      (typeof streaming !== 'object' ||
        typeof (streaming as DecodeVariant).touch !== 'boolean' ||
        typeof (streaming as DecodeVariant).pairs !== 'boolean')
    ) {
      throw new BackendError(
        `decodeStreaming must be 'auto' or { touch: boolean, pairs: boolean }, not ${JSON.stringify(streaming)}`,
      );
    }
    const cores = requested === 'auto' ? await hardwareThreads() : requested;
    const canShare = sharedMemoryAvailable();
    const threads = canShare ? cores : 1;
    const shared = threads > 1;
    const capacity = Math.min(
      MAX_GROUP_BYTES,
      Math.floor((options.memoryBytesPerGroup ?? MAX_GROUP_BYTES) / 65536) * 65536,
    );
    if (capacity < 1 << 20) throw new BackendError(`memoryBytesPerGroup must be at least 1 MiB, not ${capacity}`);
    const reserve = Math.min(options.scratchReserveBytes ?? DEFAULT_RESERVE, Math.floor(capacity / 4));
    const relaxed = options.relaxedSimd === false ? false : await relaxedSimdAvailable(true);
    if (options.relaxedSimd === true && !relaxed) {
      throw new BackendError('relaxedSimd: true was asked for, but this engine has no relaxed SIMD');
    }
    const vnni = relaxed && options.vnni !== false ? await vnniWanted(options.vnni ?? 'auto') : false;
    const module = await kernelModule({ memory: shared ? 'shared' : 'single', relaxed, vnni });
    const first = new MemoryGroup(0, module, { capacity, scratchReserve: reserve, shared });
    let pool: ThreadPool | undefined;
    if (shared) {
      pool = await ThreadPool.start(module, new Map([[0, first.memory]]), {
        workers: threads - 1,
        spinMicros: options.spinMicros,
        callerCanBlock: canBlock(),
      });
    }
    const why = cores > 1 && !canShare ? ' (SharedArrayBuffer unavailable: the page is not cross-origin isolated)' : '';
    const simd = relaxed ? `relaxed SIMD${vnni ? ' (fused dot-add)' : ''}` : 'SIMD';
    const detail = `AssemblyScript ${simd} kernels, ${threads} thread${threads > 1 ? 's' : ''}${why}`;
    return new WasmBackend(module, shared, relaxed, vnni, pool, first, options, detail);
  }

  supportsWeightType(type: GgmlType): boolean {
    return weightKernels(type) !== undefined;
  }

  // ---- memory --------------------------------------------------------------------------------------

  createWeight(spec: WeightSpec): Tensor {
    this.checkLive();
    const kernels = weightKernels(spec.type);
    if (!kernels) throw new UnsupportedTypeError(spec.type, 'wasm', spec.name);
    const elements = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = ggmlByteSize(spec.type, elements);
    if (spec.shape[0] % ggmlTypeInfo(spec.type).blockSize !== 0) {
      throw new BackendError(
        `${spec.name}: rows of ${spec.shape[0]} values are not whole ${ggmlTypeInfo(spec.type).name} blocks`,
      );
    }
    const layer = spec.layer ?? -1;
    const { group, ptr } = this.place(bytes, spec.name, [this.layerGroups.get(layer), this.lastWeightGroup]);
    if (!this.layerGroups.has(layer)) this.layerGroups.set(layer, group);
    this.lastWeightGroup = group;
    return new WasmWeight(spec.name, spec.shape, spec.type, group, ptr, bytes);
  }

  uploadWeight(weight: Tensor, byteOffset: number, bytes: Uint8Array): void {
    const w = this.weight(weight);
    if (byteOffset < 0 || byteOffset + bytes.byteLength > w.byteLength) {
      throw new BackendError(
        `Upload of ${bytes.byteLength} bytes at ${byteOffset} overflows ${w.name} (${w.byteLength} bytes)`,
      );
    }
    this.touchPages(w.group, w.ptr + byteOffset, bytes.byteLength);
    const k = this.kernelsOf(w);
    const unit = placementUnitBytes(w, k);
    const plan = k.place ? planUpload(w.placement, unit, byteOffset, bytes.byteLength) : undefined;
    for (const [u0, u1] of plan?.unplaceBefore ?? []) this.placeUnits(w, k, u0, u1, 1);
    w.group.u8.set(bytes, w.ptr + byteOffset);
    for (const [u0, u1] of plan?.placeAfter ?? []) this.placeUnits(w, k, u0, u1, 0);
    if (this.ropeCache) this.ropeCache = undefined; // rope_freqs may have changed
  }

  /** Placement units (blocks or rows) [u0, u1) of `w` into its kernels' order (`inverse` 0) or back into ggml's (1). */
  private placeUnits(w: WasmWeight, k: WeightKernels, u0: number, u1: number, inverse: number): void {
    const unit = placementUnitBytes(w, k);
    const args = [w.ptr + u0 * unit, u1 - u0, inverse];
    if (k.placeUnit === 'row') args.push(w.cols);
    this.exec(w.group, k.place!, args, (u1 - u0) * unit * NS.placeByte);
  }

  createTensor(name: string, shape: readonly number[], dtype: ActivationType = 'f32'): Tensor {
    this.checkLive();
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    const { group, ptr } = this.place(bytes, name, []);
    this.touchPages(group, ptr, bytes);
    group.u8.fill(0, ptr, ptr + bytes);
    return new WasmActivation(name, shape, dtype, group, ptr);
  }

  rowsView(tensor: Tensor, row0: number, rows: number): Tensor {
    const t = this.activation(tensor);
    checkRowsView(t.name, t.rows, row0, rows);
    const name = `${t.name}[${row0}:${row0 + rows}]`;
    return new WasmActivation(name, [rows, t.cols], t.dtype, t.group, t.ptr + row0 * t.cols * 4, t.parent ?? t);
  }

  writeTensor(tensor: Tensor, data: Float32Array, offset = 0): void {
    const t = this.activation(tensor);
    if (offset < 0 || offset + data.length > t.length) {
      throw new BackendError(`Writing ${data.length} values at ${offset} overflows ${t.name} (${t.length} values)`);
    }
    t.group.f32(t.ptr, t.length).set(data, offset);
  }

  async readTensor(tensor: Tensor, offset = 0, count?: number): Promise<Float32Array> {
    if (tensor instanceof WasmWeight) {
      this.checkTensor(tensor);
      const n = tensor.rows * tensor.cols;
      const all = new Float32Array(n);
      const bytes = tensor.group.u8.slice(tensor.ptr, tensor.ptr + tensor.byteLength);
      // ggml's byte order back for the reference dequantizer (placed units only: the rest is raw already)
      const k = this.kernelsOf(tensor);
      const unit = placementUnitBytes(tensor, k);
      k.placeBytes?.(bytes.subarray(0, placedBlocks(tensor.placement, unit) * unit), true, tensor.cols);
      dequantize(tensor.dtype, bytes, all, n);
      return all.slice(offset, count === undefined ? n : offset + count);
    }
    const t = this.activation(tensor);
    const end = count === undefined ? t.length : offset + count;
    if (offset < 0 || end > t.length)
      throw new BackendError(`Reading [${offset}, ${end}) overflows ${t.name} (${t.length} values)`);
    return t.group.f32(t.ptr + offset * 4, end - offset).slice();
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    this.checkLive();
    const es = spec.type === 'f16' ? 2 : 4;
    const bytes = spec.nCtx * spec.nHeadKv * spec.headDim * es;
    const layers: WasmKvLayer[] = [];
    // K and V of a layer share one allocation: V starts at the next 64-byte boundary after K
    const vOffset = Math.ceil(bytes / 64) * 64;
    try {
      for (let l = 0; l < spec.nLayer; l++) {
        const { group, ptr } = this.place(vOffset + bytes, `kv cache of layer ${l}`, [this.layerGroups.get(l)]);
        group.u8.fill(0, ptr, ptr + vOffset + bytes);
        layers.push({ group, k: ptr, v: ptr + vOffset });
      }
    } catch (e) {
      for (const L of layers) L.group.release(L.k);
      throw e;
    }
    return new WasmKvCache(spec, layers);
  }

  async saveKvCache(cache: KvCache, nCells: number): Promise<Uint8Array> {
    const c = this.kv(cache);
    if (!Number.isInteger(nCells) || nCells < 0 || nCells > c.spec.nCtx) {
      throw new BackendError(`saveKvCache: ${nCells} cells is outside the cache (${c.spec.nCtx} cells)`);
    }
    const row = c.rowValues;
    // the reference backend's format: [nCells, per layer K then V (nCells * row values)], all f32
    const out = new Float32Array(2 * c.spec.nLayer * nCells * row + 1);
    out[0] = nCells;
    let o = 1;
    for (const L of c.layers) {
      for (const ptr of [L.k, L.v]) {
        out.set(this.readCells(c, L.group, ptr, nCells), o);
        o += nCells * row;
      }
    }
    return new Uint8Array(out.buffer);
  }

  loadKvCache(cache: KvCache, bytes: Uint8Array): number {
    const c = this.kv(cache);
    const f = new Float32Array(bytes.slice().buffer);
    const nCells = f[0];
    const row = c.rowValues;
    if (
      !Number.isInteger(nCells) ||
      nCells < 0 ||
      nCells > c.spec.nCtx ||
      f.length !== 2 * c.spec.nLayer * nCells * row + 1
    ) {
      throw new BackendError('KV cache data does not match this cache (different model or context size)');
    }
    let o = 1;
    for (const L of c.layers) {
      for (const ptr of [L.k, L.v]) {
        this.writeCells(c, L.group, ptr, f.subarray(o, o + nCells * row));
        o += nCells * row;
      }
    }
    return nCells;
  }

  free(t: Tensor | KvCache): void {
    if (t instanceof WasmKvCache) {
      if (t.freed) return;
      t.freed = true;
      for (const L of t.layers) L.group.release(L.k);
      return;
    }
    if (t instanceof WasmWeight || t instanceof WasmActivation) {
      if (t.freed) return;
      t.freed = true;
      if (t instanceof WasmActivation && t.parent) return; // a view: the parent owns the memory
      t.group.release(t.ptr);
      return;
    }
    throw new BackendError('free: not a tensor or cache of this wasm backend');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool?.dispose();
    this.groups.length = 0;
    this.layerGroups.clear();
    this.ropeCache = undefined;
  }

  /** Kernel calls split across threads so far, and how many shares of them the workers ran. */
  threadStats(): { jobs: number; workerShares: number } {
    return this.pool?.stats ?? { jobs: 0, workerShares: 0 };
  }

  /** Memory groups in use and the bytes each holds (for diagnostics and tests). */
  memoryGroups(): { id: number; usedBytes: number; memoryBytes: number }[] {
    return this.groups.map((g) => ({ id: g.id, usedBytes: g.usedBytes, memoryBytes: g.memory.buffer.byteLength }));
  }

  /**
   * Measures memory read bandwidth in bytes per second: every thread of this backend sums its share of a
   * `bytes` buffer (rounded to 64) `repeats` times; the median pass counts. For benchmarks.
   */
  measureReadBandwidth(bytes: number, repeats = 5): number {
    const size = Math.floor(bytes / 64) * 64;
    const t = this.createTensor('bandwidth probe', [size / 4]) as WasmActivation;
    try {
      const g = t.group;
      const out = g.scratchBuffer('probe', 16 * this.info.threads);
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const start = performance.now();
        this.exec(g, 'read_memory', [t.ptr, size, out], Number.POSITIVE_INFINITY);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return size / (times[times.length >> 1] / 1000);
    } finally {
      this.free(t);
    }
  }

  // ---- ops -----------------------------------------------------------------------------------------

  getRows(out: Tensor, table: Tensor, ids: Int32Array): void {
    const w = this.weight(table);
    const o = this.activation(out);
    const k = this.kernelsOf(w);
    if (o.cols !== w.cols)
      throw new BackendError(`getRows: ${o.name} has ${o.cols} columns, ${w.name} rows have ${w.cols}`);
    if (ids.length > o.rows) throw new BackendError(`getRows: ${ids.length} ids but ${o.name} has ${o.rows} rows`);
    for (const id of ids) {
      if (id < 0 || id >= w.rows) throw new BackendError(`Row ${id} out of range for ${w.name} (${w.rows} rows)`);
    }
    const g = w.group;
    const n = ids.length;
    const idsPtr = g.scratchBuffer('ids', n * 4);
    new Int32Array(g.memory.buffer, idsPtr, n).set(ids);
    const outPtr = this.output(o, g, n, 'out0');
    this.exec(g, k.getRows, [w.ptr, w.cols, idsPtr, n, outPtr, o.cols], n * w.cols * NS.dequantize);
    this.flush(o, g, outPtr, n);
  }

  matmul(out: Tensor, weight: Tensor, x: Tensor, n: number): void {
    const w = this.weight(weight);
    const X = this.activation(x);
    const O = this.activation(out);
    const k = this.kernelsOf(w);
    if (X.cols !== w.cols) throw new BackendError(`matmul: ${X.name} has ${X.cols} columns, ${w.name} needs ${w.cols}`);
    if (O.cols !== w.rows)
      throw new BackendError(`matmul: ${O.name} has ${O.cols} columns, ${w.name} has ${w.rows} rows`);
    this.checkRows('matmul', n, X, O);
    if (n === 0) return;
    const g = w.group;
    const cols = w.cols;
    const work = n * w.byteLength * NS.matmulByte;
    const xPtr = this.input(X, g, n, 'in0');
    // the fused per-token product, or unpacked rows times 4 tokens per pass (see assembly/matmul.ts)
    const mode = productMode(k, n, this.build);
    const form = activationFormFor(k, mode);
    let acts = xPtr;
    let actStride = cols * 4;
    if (form !== 'f32') {
      actStride = activationRecordBytes(form, cols, mode);
      acts = g.scratchBuffer('acts', n * actStride);
      const quantize = quantizeKernel(form, mode);
      this.exec(
        g,
        quantize,
        [xPtr, cols * 4, n, cols, acts, actStride, quantizeOption(quantize, mode, k)],
        n * cols * NS.quantize,
      );
    }
    const outPtr = this.output(O, g, n, 'out0');
    const threads = this.threadsFor(work);
    const perThread = MATMUL_ROWS_PER_CHUNK * unpackedRowBytes(form, cols, mode);
    const scratch = g.scratchBuffer('threads', threads * perThread);
    g.resetCounter();
    // decode products stream weights the way the tuner has measured fastest on this CPU (same results)
    // (only one-token products are timed: the tuner compares time per weight byte)
    const tune = mode === 'fused' ? this.decodeTuner.next(n === 1 ? w.byteLength : 0) : { flags: 0, timed: false };
    const started = tune.timed ? performance.now() : 0;
    this.exec(
      g,
      k.matmul,
      [
        w.ptr,
        w.rows,
        cols,
        acts,
        actStride,
        n,
        outPtr,
        O.cols,
        scratch,
        perThread,
        g.counter,
        PRODUCT_MODE_CODE[mode] | tune.flags,
      ],
      work,
    );
    if (tune.timed) this.decodeTuner.record(tune.flags, w.byteLength, performance.now() - started);
    this.flush(O, g, outPtr, n);
  }

  /** How decode products stream weights here: measured (or fixed) variants and the one in use. */
  decodeTuning(): DecodeTuning {
    return this.decodeTuner.tuning();
  }

  rmsNorm(out: Tensor, x: Tensor, weight: Tensor, eps: number, n: number): void {
    const O = this.activation(out);
    const X = this.activation(x);
    const W = this.f32Source(weight);
    if (X.cols !== O.cols || this.valuesOf(W) < X.cols) {
      throw new BackendError(`rmsNorm: ${X.name}, ${O.name} and ${W.name} disagree on the row length (${X.cols})`);
    }
    this.checkRows('rmsNorm', n, X, O);
    const g = O.group;
    const xPtr = this.input(X, g, n, 'in0');
    const wPtr = this.input(W, g, 1, 'in1');
    const oPtr = this.output(O, g, n, 'out0');
    this.exec(g, 'rms_norm', [xPtr, oPtr, wPtr, X.cols, n, eps], n * X.cols * NS.elementwise);
    this.flush(O, g, oPtr, n);
  }

  rope(x: Tensor, positions: Int32Array, p: RopeParams): void {
    const X = this.activation(x);
    const n = positions.length;
    this.checkRope(p);
    if (X.cols !== p.nHead * p.headDim) {
      throw new BackendError(
        `rope: ${X.name} has ${X.cols} columns, ${p.nHead} heads of ${p.headDim} need ${p.nHead * p.headDim}`,
      );
    }
    this.checkRows('rope', n, X, X);
    if (n === 0) return;
    const g = X.group;
    const table = this.ropeTable(g, p, positions);
    this.exec(
      g,
      'rope',
      [X.ptr, n, X.cols * 4, p.nHead, p.headDim, p.nDims, p.mode === 'neox' ? 1 : 0, table, 2 * p.nDims * 4, 0, 0, 0],
      n * p.nHead * p.nDims * NS.rope,
    );
  }

  copyRows(dst: Tensor, src: Tensor, srcRow: number, dstRow: number, n: number): void {
    const D = this.activation(dst);
    const S = this.activation(src);
    if (S.cols !== D.cols) throw new BackendError(`copyRows: ${S.name} and ${D.name} differ in columns`);
    if (srcRow < 0 || dstRow < 0 || srcRow + n > S.rows || dstRow + n > D.rows) {
      throw new BackendError(`copyRows: rows out of range (${S.name} ${S.rows} rows, ${D.name} ${D.rows} rows)`);
    }
    const bytes = n * S.cols * 4;
    const from = S.ptr + srcRow * S.cols * 4;
    const to = D.ptr + dstRow * D.cols * 4;
    if (S.group === D.group) D.group.u8.copyWithin(to, from, from + bytes);
    else D.group.u8.set(S.group.u8.subarray(from, from + bytes), to);
  }

  add(out: Tensor, a: Tensor, b: Tensor, n: number): void {
    this.elementwise('add', out, a, b, n);
  }

  swiglu(out: Tensor, gate: Tensor, up: Tensor, n: number): void {
    this.elementwise('swiglu', out, gate, up, n);
  }

  writeKv(cache: KvCache, layer: number, cell0: number, k: Tensor, v: Tensor, n: number): void {
    const c = this.kv(cache);
    const L = this.kvLayer(c, layer);
    const K = this.activation(k);
    const V = this.activation(v);
    if (K.cols !== c.rowValues || V.cols !== c.rowValues) {
      throw new BackendError(`writeKv: K/V rows must have ${c.rowValues} values (nHeadKv * headDim)`);
    }
    this.checkRows('writeKv', n, K, V);
    if (cell0 < 0 || cell0 + n > c.spec.nCtx)
      throw new BackendError(`KV write of ${n} cells at ${cell0} overflows ${c.spec.nCtx}`);
    const g = L.group;
    for (const [src, part, slot] of [
      [K, L.k, 'in0'],
      [V, L.v, 'in1'],
    ] as const) {
      const dst = part + cell0 * c.rowBytes;
      const count = n * c.rowValues;
      if (c.elementBytes === 4) {
        if (src.group === g) g.u8.copyWithin(dst, src.ptr, src.ptr + count * 4);
        else g.u8.set(src.group.u8.subarray(src.ptr, src.ptr + count * 4), dst);
      } else {
        const from = this.input(src, g, n, slot);
        this.exec(g, 'f32_to_f16', [from, dst, count], count * NS.toHalf);
      }
    }
  }

  attention(out: Tensor, q: Tensor, cache: KvCache, layer: number, n: number, p: AttentionParams): void {
    const c = this.kv(cache);
    const L = this.kvLayer(c, layer);
    const Q = this.activation(q);
    const O = this.activation(out);
    const hd = p.headDim;
    if (p.nHeadKv !== c.spec.nHeadKv || hd !== c.spec.headDim) {
      throw new BackendError(
        `attention: the cache holds ${c.spec.nHeadKv} KV heads of ${c.spec.headDim}, not ${p.nHeadKv} of ${hd}`,
      );
    }
    if (p.nHead % p.nHeadKv !== 0)
      throw new BackendError(`attention: ${p.nHead} heads is not a multiple of ${p.nHeadKv} KV heads`);
    if (hd % 4 !== 0) throw new BackendError(`attention: head size ${hd} must be a multiple of 4 for the wasm kernels`);
    if (Q.cols !== p.nHead * hd || O.cols !== p.nHead * hd) {
      throw new BackendError(`attention: ${Q.name} and ${O.name} must have ${p.nHead * hd} columns`);
    }
    this.checkRows('attention', n, Q, O);
    if (p.pos0 < 0 || p.pos0 + n > c.spec.nCtx)
      throw new BackendError(`attention: positions ${p.pos0}..${p.pos0 + n} exceed the cache`);
    if (n === 0) return;
    const g = L.group;
    const group = p.nHead / p.nHeadKv;
    const qPtr = this.input(Q, g, n, 'in0');
    const oPtr = this.output(O, g, n, 'out0');
    const work = n * (p.pos0 + n / 2) * p.nHead * hd * NS.attention;
    const threads = this.threadsFor(work);
    // for the QUERY_BLOCK * group heads of an item: acc [heads, hd], scores [heads, CHUNK], max and sum
    // [heads]; and K and V rows [CHUNK, hd] (attention.ts)
    const heads = ATTENTION_QUERY_BLOCK * group;
    const perThread =
      Math.ceil((heads * hd * 4 + heads * ATTENTION_CHUNK * 4 + heads * 8 + 2 * ATTENTION_CHUNK * hd * 4) / 64) * 64;
    const scratch = g.scratchBuffer('threads', threads * perThread);
    g.resetCounter();
    this.exec(
      g,
      'attention',
      [
        qPtr,
        oPtr,
        L.k,
        L.v,
        c.elementBytes === 2 ? 1 : 0,
        p.nHead,
        p.nHeadKv,
        hd,
        c.rowBytes,
        p.pos0,
        n,
        p.scale,
        scratch,
        perThread,
        g.counter,
      ],
      work,
    );
    this.flush(O, g, oPtr, n);
  }

  shiftKv(cache: KvCache, src: number, dst: number, count: number, delta: number, rope: RopeParams): void {
    const c = this.kv(cache);
    this.checkRope(rope);
    if (rope.nHead * rope.headDim !== c.rowValues)
      throw new BackendError('shiftKv: rope heads do not match the cache rows');
    if (src < 0 || dst < 0 || count < 0 || src + count > c.spec.nCtx || dst + count > c.spec.nCtx) {
      throw new BackendError(`shiftKv: cells out of range (${c.spec.nCtx} cells)`);
    }
    if (count === 0) return;
    const rb = c.rowBytes;
    for (const L of c.layers) {
      const g = L.group;
      for (const part of [L.k, L.v]) g.u8.copyWithin(part + dst * rb, part + src * rb, part + (src + count) * rb);
      const table = g.scratchBuffer('shift-table', 2 * rope.nDims * 4);
      fillRopeTable(rope, ropeThetas(rope, this.freqFactors(rope)), [delta], g.f32(table, 2 * rope.nDims));
      const scratch = g.scratchBuffer('threads', rope.nDims * 4 * this.info.threads);
      this.exec(
        g,
        'rope',
        [
          L.k + dst * rb,
          count,
          rb,
          rope.nHead,
          rope.headDim,
          rope.nDims,
          rope.mode === 'neox' ? 1 : 0,
          table,
          0,
          c.elementBytes === 2 ? 1 : 0,
          scratch,
          rope.nDims * 4,
        ],
        count * rope.nHead * rope.nDims * NS.rope * (c.elementBytes === 2 ? 4 : 1),
      );
    }
  }

  // ---- helpers -------------------------------------------------------------------------------------

  /** Places `bytes` in the first preferred group with room, else any group with room, else a new group. */
  private place(
    bytes: number,
    name: string,
    preferred: (MemoryGroup | undefined)[],
  ): { group: MemoryGroup; ptr: number } {
    const tried = new Set<MemoryGroup>();
    for (const g of [...preferred, ...this.groups]) {
      if (!g || tried.has(g)) continue;
      tried.add(g);
      const ptr = g.allocTensor(bytes);
      if (ptr !== undefined) return { group: g, ptr };
    }
    if (bytes > this.capacity - this.reserve - 1024) {
      throw new WasmMemoryError(
        `${name} needs ${bytes} bytes, more than one wasm memory can hold (${this.capacity - this.reserve} bytes for tensors)`,
        bytes,
        this.capacity - this.reserve,
      );
    }
    const g = this.addGroup();
    const ptr = g.allocTensor(bytes);
    if (ptr === undefined) throw new WasmMemoryError(`${name} does not fit in a new wasm memory`, bytes, this.capacity);
    return { group: g, ptr };
  }

  private addGroup(): MemoryGroup {
    const g = new MemoryGroup(this.groups.length, this.module, {
      capacity: this.capacity,
      scratchReserve: this.reserve,
      shared: this.shared,
    });
    this.pool?.addGroup(g.id, g.memory);
    this.groups.push(g);
    return g;
  }

  /** Threads an op with `work` units uses: 1 below the threshold, else all. */
  private threadsFor(work: number): number {
    return this.pool && work >= this.parallelThreshold ? this.pool.threads : 1;
  }

  /**
   * Has every thread fault in its share of the pages under `[ptr, ptr + bytes)` before one thread writes
   * them: first writes to fresh memory are page faults, slow on virtual machines (0.3 GB/s on the
   * project's VM for one thread, twice that for two), and they dominated load time.
   */
  private touchPages(g: MemoryGroup, ptr: number, bytes: number): void {
    if (this.pool && bytes >= TOUCH_MIN_BYTES) this.exec(g, 'touch_pages', [ptr, bytes], Number.POSITIVE_INFINITY);
  }

  /** Runs a kernel in group `g`, on every thread when `work` reaches the threshold. */
  private exec(g: MemoryGroup, name: KernelName, args: number[], work: number): void {
    this.checkLive();
    if (args.length !== kernelArity(name))
      throw new BackendError(`${name} takes ${kernelArity(name)} arguments, not ${args.length}`);
    if (this.pool && work >= this.parallelThreshold) {
      this.pool.run(KERNEL_INDEX.get(name)!, g.id, args, g.kernel(name), work >= WAKE_THRESHOLD_NS);
    } else g.kernel(name)(0, 1, ...args);
  }

  /** Address of rows [0, n) of `t` inside group `g`: its own, or a staging copy when it lives elsewhere. */
  private input(t: F32Source, g: MemoryGroup, n: number, slot: string): number {
    if (t.group === g) return t.ptr;
    const bytes = t instanceof WasmActivation ? n * t.cols * 4 : t.byteLength;
    const p = g.scratchBuffer(slot, bytes);
    g.u8.set(t.group.u8.subarray(t.ptr, t.ptr + bytes), p);
    return p;
  }

  /** Where an op in group `g` writes rows [0, n) of `t` (a staging buffer when `t` lives elsewhere). */
  private output(t: WasmActivation, g: MemoryGroup, n: number, slot: string): number {
    return t.group === g ? t.ptr : g.scratchBuffer(slot, n * t.cols * 4);
  }

  /** Copies a staged output back to its tensor. */
  private flush(t: WasmActivation, g: MemoryGroup, ptr: number, n: number): void {
    if (t.group === g) return;
    const bytes = n * t.cols * 4;
    t.group.u8.set(g.u8.subarray(ptr, ptr + bytes), t.ptr);
  }

  private elementwise(name: 'add' | 'swiglu', out: Tensor, a: Tensor, b: Tensor, n: number): void {
    const O = this.activation(out);
    const A = this.activation(a);
    const B = this.activation(b);
    if (A.cols !== O.cols || B.cols !== O.cols)
      throw new BackendError(`${name}: ${O.name}, ${A.name} and ${B.name} differ in columns`);
    this.checkRows(name, n, A, B);
    this.checkRows(name, n, O, O);
    const g = O.group;
    const len = n * O.cols;
    const aPtr = this.input(A, g, n, 'in0');
    const bPtr = this.input(B, g, n, 'in1');
    const oPtr = this.output(O, g, n, 'out0');
    this.exec(g, name, [oPtr, aPtr, bPtr, len], len * (name === 'swiglu' ? NS.exp : NS.elementwise));
    this.flush(O, g, oPtr, n);
  }

  /** The rotation table of `positions` in group `g`, reused while the positions and parameters repeat. */
  private ropeTable(g: MemoryGroup, p: RopeParams, positions: Int32Array): number {
    const c = this.ropeCache;
    const bytes = positions.length * 2 * p.nDims * 4;
    if (
      c &&
      c.group === g &&
      sameRope(c.params, p) &&
      c.positions.length === positions.length &&
      c.positions.every((v, i) => v === positions[i])
    ) {
      const ptr = g.scratchBuffer('rope-table', bytes);
      if (ptr === c.ptr) return ptr;
    }
    const ptr = g.scratchBuffer('rope-table', bytes);
    fillRopeTable(p, ropeThetas(p, this.freqFactors(p)), positions, g.f32(ptr, bytes / 4));
    this.ropeCache = { group: g, ptr, params: { ...p }, positions: positions.slice() };
    return ptr;
  }

  private freqFactors(p: RopeParams): Float32Array | undefined {
    if (!p.freqFactors) return undefined;
    const f = this.f32Source(p.freqFactors);
    if (this.valuesOf(f) < p.nDims / 2)
      throw new BackendError(`rope: ${f.name} holds fewer than nDims / 2 = ${p.nDims / 2} factors`);
    return f.group.f32(f.ptr, p.nDims / 2).slice();
  }

  private checkRope(p: RopeParams): void {
    if (p.nDims % 2 !== 0 || p.nDims > p.headDim || p.nDims <= 0) {
      throw new BackendError(`rope: nDims ${p.nDims} must be even and at most headDim ${p.headDim}`);
    }
  }

  /** K or V rows [0, nCells) of a layer as f32 values. */
  private readCells(c: WasmKvCache, g: MemoryGroup, ptr: number, nCells: number): Float32Array {
    const count = nCells * c.rowValues;
    if (c.elementBytes === 4) return g.f32(ptr, count).slice();
    const tmp = g.scratchBuffer('kv-io', count * 4);
    this.exec(g, 'f16_to_f32', [ptr, tmp, count], count * NS.toHalf);
    return g.f32(tmp, count).slice();
  }

  private writeCells(c: WasmKvCache, g: MemoryGroup, ptr: number, values: Float32Array): void {
    if (c.elementBytes === 4) {
      g.f32(ptr, values.length).set(values);
      return;
    }
    const tmp = g.scratchBuffer('kv-io', values.length * 4);
    g.f32(tmp, values.length).set(values);
    this.exec(g, 'f32_to_f16', [tmp, ptr, values.length], values.length * NS.toHalf);
  }

  private kernelsOf(w: WasmWeight): WeightKernels {
    const k = weightKernels(w.dtype);
    if (!k) throw new UnsupportedTypeError(w.dtype, 'wasm', w.name);
    return k.placeRelaxedOnly && !this.relaxed ? unplaced(k) : k;
  }

  private checkRows(op: string, n: number, a: WasmActivation, b: WasmActivation): void {
    if (!Number.isInteger(n) || n < 0 || n > a.rows || n > b.rows) {
      throw new BackendError(`${op}: ${n} rows requested but ${a.name} has ${a.rows} and ${b.name} has ${b.rows}`);
    }
  }

  private checkLive(): void {
    if (this.disposed) throw new BackendError('The wasm backend was disposed');
  }

  private checkTensor(t: WasmWeight | WasmActivation): void {
    this.checkLive();
    if (t.freed) throw new BackendError(`${t.name} was freed`);
    if (t instanceof WasmActivation && t.parent?.freed)
      throw new BackendError(`${t.parent.name} (viewed by ${t.name}) was freed`);
  }

  private weight(t: Tensor): WasmWeight {
    if (!(t instanceof WasmWeight)) throw new BackendError(`${t.name} is not a weight of this wasm backend`);
    this.checkTensor(t);
    return t;
  }

  private activation(t: Tensor): WasmActivation {
    if (!(t instanceof WasmActivation))
      throw new BackendError(`${t.name} is not an activation tensor of this wasm backend`);
    this.checkTensor(t);
    return t;
  }

  /** An activation, or an F32 weight (norm weights, rope factors), read as f32 values. */
  private f32Source(t: Tensor): F32Source {
    if (t instanceof WasmWeight) {
      this.checkTensor(t);
      if (t.dtype !== 0)
        throw new BackendError(`${t.name} must be an F32 weight here, not ${ggmlTypeInfo(t.dtype).name}`);
      return t;
    }
    return this.activation(t);
  }

  private valuesOf(t: F32Source): number {
    return t instanceof WasmActivation ? t.length : t.rows * t.cols;
  }

  private kv(cache: KvCache): WasmKvCache {
    if (!(cache instanceof WasmKvCache)) throw new BackendError('Not a KV cache of this wasm backend');
    if (cache.freed) throw new BackendError('The KV cache was freed');
    this.checkLive();
    return cache;
  }

  private kvLayer(c: WasmKvCache, layer: number): WasmKvLayer {
    const L = c.layers[layer];
    if (!L) throw new BackendError(`Layer ${layer} is outside the KV cache (${c.spec.nLayer} layers)`);
    return L;
  }
}

/** The kernel that prepares activations of `form` for a product mode (assembly/activations.ts). */
function quantizeKernel(form: ActivationForm, mode: ProductMode): KernelName {
  if (form === 'q8_K') return 'quantize_q8_K';
  if (form === 'q8_32s') return 'quantize_q8_32r';
  if (form === 'q8_K32') return 'quantize_q8_K32r';
  if (mode === 'unpacked') return 'quantize_q8_32i';
  if (mode === 'unpacked8') return 'quantize_q8_32r';
  return 'quantize_q8_32';
}

/** Bytes of what `w`'s type places as a whole: one block, or one row (WeightKernels.placeUnit). */
function placementUnitBytes(w: WasmWeight, k: WeightKernels): number {
  return k.placeUnit === 'row' ? w.rowBytes : ggmlTypeInfo(w.dtype).bytesPerBlock;
}

const UNPLACED = new WeakMap<WeightKernels, WeightKernels>();

/** `k` without placement, for the SIMD-128 build where a type is placed only by the relaxed builds. */
function unplaced(k: WeightKernels): WeightKernels {
  let u = UNPLACED.get(k);
  if (!u) {
    u = { ...k, place: undefined, placeBytes: undefined };
    UNPLACED.set(k, u);
  }
  return u;
}

/**
 * The last argument of a quantize kernel: for the relaxed batched records (`..r`), the weights' batch
 * offset shift (-1: none; -2: levels split by sign, `q8_32s`); for the others whether to store i16 levels (the unpacked product) rather than
 * the 8-bit levels of the relaxed build, and for Q8_K records of the relaxed batched product 2 (levels
 * interleaved: assembly/unpacked8.ts interleaveGroups16).
 */
function quantizeOption(kernel: KernelName, mode: ProductMode, k: WeightKernels): number {
  // split by sign (-2) for signed levels (Q8_0 and IQ4_NL in the VNNI build)
  if (kernel === 'quantize_q8_32r' && k.batch8Activations === 'q8_32s') return -2;
  if (kernel === 'quantize_q8_32r' || kernel === 'quantize_q8_K32r') return k.batchOffsetShift ?? -1;
  // placed K types: the decode product reads levels placed to match its weights; Q8_0, IQ4_NL: split by sign
  if ((kernel === 'quantize_q8_K' || kernel === 'quantize_q8_32') && mode === 'fused' && k.fusedOption)
    return k.fusedOption;
  // the relaxed batched super-block product reads each 32 levels with their 16-value groups interleaved
  if (kernel === 'quantize_q8_K' && mode === 'unpacked8') return 2;
  return mode === 'unpacked' ? 1 : 0;
}

function sameRope(a: RopeParams, b: RopeParams): boolean {
  return (
    a.nDims === b.nDims &&
    a.mode === b.mode &&
    a.freqBase === b.freqBase &&
    a.freqScale === b.freqScale &&
    a.freqFactors === b.freqFactors
  );
}

/** Whether to use the VNNI build for the `vnni` option (relaxed SIMD available). */
async function vnniWanted(option: boolean | 'auto'): Promise<boolean> {
  if (option !== true && option !== 'auto') {
    throw new BackendError(`vnni must be true, false or 'auto', not ${JSON.stringify(option)}`);
  }
  const probe = await probeDotAdd();
  if (option === 'auto') return probe.oneInstruction;
  if (!probe.correct) {
    throw new BackendError(
      'vnni: true was asked for, but this engine computes the fused dot-add wrongly: use vnni: false or "auto"',
    );
  }
  return true;
}

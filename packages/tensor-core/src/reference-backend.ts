/**
 * The reference backend: every op in plain TypeScript, written to be read, with f64 accumulation.
 * It defines what the fast backends must compute; tests compare wasm and WebGPU kernels to it.
 * Weights are dequantized once, on first use, with the per-type reference dequantizers.
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
} from './backend.js';
import { f16ToF32, f32ToF16 } from './f16.js';
import { dequantize, quantFormat } from './quant/registry.js';
import { checkRowsView } from './rows-view.js';

class RefWeight implements Tensor {
  readonly bytes: Uint8Array;
  private cache: Float32Array | undefined;
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: GgmlType,
  ) {
    const elements = shape.reduce((a, b) => a * b, 1);
    this.bytes = new Uint8Array(ggmlByteSize(dtype, elements));
  }
  /** Dequantized values, row-major `[rows, cols]`. */
  values(): Float32Array {
    if (!this.cache) {
      const n = this.shape.reduce((a, b) => a * b, 1);
      this.cache = new Float32Array(n);
      dequantize(this.dtype, this.bytes, this.cache, n);
    }
    return this.cache;
  }
  invalidate(): void {
    this.cache = undefined;
  }
}

class RefTensor implements Tensor {
  readonly data: Float32Array;
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: ActivationType,
    /** Set for a rows view: the parent's values it aliases. */
    data?: Float32Array,
  ) {
    this.data = data ?? new Float32Array(shape.reduce((a, b) => a * b, 1));
  }
  get cols(): number {
    return this.shape[this.shape.length - 1];
  }
}

class RefKvCache implements KvCache {
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  constructor(readonly spec: KvCacheSpec) {
    const size = spec.nCtx * spec.nHeadKv * spec.headDim;
    this.k = Array.from({ length: spec.nLayer }, () => new Float32Array(size));
    this.v = Array.from({ length: spec.nLayer }, () => new Float32Array(size));
  }
}

function act(t: Tensor): RefTensor {
  if (!(t instanceof RefTensor)) throw new BackendError(`${t.name} is not an activation tensor of this backend`);
  return t;
}
function weight(t: Tensor): RefWeight {
  if (!(t instanceof RefWeight)) throw new BackendError(`${t.name} is not a weight of this backend`);
  return t;
}
/** f32 view of either an activation or an (f32) weight, e.g. norm weights. */
function values(t: Tensor): Float32Array {
  return t instanceof RefWeight ? t.values() : act(t).data;
}

/** Rounds a value through the cache's storage type. */
function store(type: ActivationType, x: number): number {
  return type === 'f16' ? f16ToF32(f32ToF16(x)) : x;
}

/** Rotation angle multipliers theta_i = base^(-2i/nDims) for each pair i, divided by freq factors. */
function ropeThetas(p: RopeParams): Float64Array {
  const half = p.nDims / 2;
  const factors = p.freqFactors ? values(p.freqFactors) : undefined;
  const th = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    th[i] = (p.freqScale * p.freqBase ** ((-2 * i) / p.nDims)) / (factors ? factors[i] : 1);
  }
  return th;
}

/** Rotates one head vector `x[off .. off + headDim)` by `pos`. */
function ropeHead(x: Float32Array, off: number, pos: number, p: RopeParams, thetas: Float64Array): void {
  const half = p.nDims / 2;
  for (let i = 0; i < half; i++) {
    const angle = pos * thetas[i];
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    // normal: pairs (2i, 2i+1); neox: pairs (i, i + nDims/2)
    const a = p.mode === 'normal' ? off + 2 * i : off + i;
    const b = p.mode === 'normal' ? a + 1 : a + half;
    const x0 = x[a];
    const x1 = x[b];
    x[a] = x0 * c - x1 * s;
    x[b] = x0 * s + x1 * c;
  }
}

export class ReferenceBackend implements Backend {
  readonly info: BackendInfo = { kind: 'reference', threads: 1, detail: 'TypeScript reference kernels' };

  supportsWeightType(type: GgmlType): boolean {
    return quantFormat(type) !== undefined;
  }

  createWeight(spec: WeightSpec): Tensor {
    if (!this.supportsWeightType(spec.type)) {
      throw new UnsupportedTypeError(spec.type, 'reference', spec.name);
    }
    return new RefWeight(spec.name, spec.shape, spec.type);
  }

  uploadWeight(w: Tensor, byteOffset: number, bytes: Uint8Array): void {
    const rw = weight(w);
    if (byteOffset + bytes.byteLength > rw.bytes.byteLength) {
      throw new BackendError(`Upload of ${bytes.byteLength} bytes at ${byteOffset} overflows ${rw.name}`);
    }
    rw.bytes.set(bytes, byteOffset);
    rw.invalidate();
  }

  createTensor(name: string, shape: readonly number[], dtype: ActivationType = 'f32'): Tensor {
    return new RefTensor(name, shape, dtype);
  }

  rowsView(t: Tensor, row0: number, rows: number): Tensor {
    const a = act(t);
    const cols = a.cols;
    checkRowsView(a.name, a.data.length / cols, row0, rows);
    const view = a.data.subarray(row0 * cols, (row0 + rows) * cols);
    return new RefTensor(`${a.name}[${row0}:${row0 + rows}]`, [rows, cols], a.dtype, view);
  }

  writeTensor(t: Tensor, data: Float32Array, offset = 0): void {
    act(t).data.set(data, offset);
  }

  async readTensor(t: Tensor, offset = 0, count?: number): Promise<Float32Array> {
    const d = values(t);
    return d.slice(offset, count === undefined ? d.length : offset + count);
  }

  createKvCache(spec: KvCacheSpec): KvCache {
    return new RefKvCache(spec);
  }

  async saveKvCache(cache: KvCache, nCells: number): Promise<Uint8Array> {
    const c = cache as RefKvCache;
    const row = c.spec.nHeadKv * c.spec.headDim;
    const out = new Float32Array(2 * c.spec.nLayer * nCells * row + 1);
    out[0] = nCells;
    let o = 1;
    for (let l = 0; l < c.spec.nLayer; l++) {
      out.set(c.k[l].subarray(0, nCells * row), o);
      o += nCells * row;
      out.set(c.v[l].subarray(0, nCells * row), o);
      o += nCells * row;
    }
    return new Uint8Array(out.buffer);
  }

  loadKvCache(cache: KvCache, bytes: Uint8Array): number {
    const c = cache as RefKvCache;
    const f = new Float32Array(bytes.slice().buffer);
    const nCells = f[0];
    const row = c.spec.nHeadKv * c.spec.headDim;
    if (f.length !== 2 * c.spec.nLayer * nCells * row + 1 || nCells > c.spec.nCtx) {
      throw new BackendError('KV cache data does not match this cache (different model or context size)');
    }
    let o = 1;
    for (let l = 0; l < c.spec.nLayer; l++) {
      c.k[l].set(f.subarray(o, o + nCells * row));
      o += nCells * row;
      c.v[l].set(f.subarray(o, o + nCells * row));
      o += nCells * row;
    }
    return nCells;
  }

  free(): void {}
  dispose(): void {}

  getRows(out: Tensor, table: Tensor, ids: Int32Array): void {
    const w = weight(table);
    const o = act(out);
    const cols = w.shape[0];
    const rows = w.shape[1];
    const info = ggmlTypeInfo(w.dtype);
    const rowBytes = (cols / info.blockSize) * info.bytesPerBlock;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0 || id >= rows) throw new BackendError(`Row ${id} out of range for ${w.name} (${rows} rows)`);
      dequantize(w.dtype, w.bytes.subarray(id * rowBytes, (id + 1) * rowBytes), o.data.subarray(i * cols), cols);
    }
  }

  matmul(out: Tensor, w: Tensor, x: Tensor, n: number): void {
    const W = values(w); // [rows, cols]
    const [cols, rows] = w.shape;
    const X = act(x).data; // [n, cols]
    const O = act(out).data; // [n, rows]
    if (act(x).cols !== cols)
      throw new BackendError(`matmul: ${x.name} has ${act(x).cols} columns, ${w.name} needs ${cols}`);
    for (let t = 0; t < n; t++) {
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += W[r * cols + c] * X[t * cols + c];
        O[t * rows + r] = s;
      }
    }
  }

  rmsNorm(out: Tensor, x: Tensor, w: Tensor, eps: number, n: number): void {
    const X = act(x).data;
    const O = act(out).data;
    const G = values(w);
    const cols = act(x).cols;
    for (let t = 0; t < n; t++) {
      let ss = 0;
      for (let c = 0; c < cols; c++) ss += X[t * cols + c] * X[t * cols + c];
      const scale = 1 / Math.sqrt(ss / cols + eps);
      for (let c = 0; c < cols; c++) O[t * cols + c] = X[t * cols + c] * scale * G[c];
    }
  }

  rope(x: Tensor, positions: Int32Array, p: RopeParams): void {
    const X = act(x).data;
    const thetas = ropeThetas(p);
    const row = p.nHead * p.headDim;
    for (let t = 0; t < positions.length; t++) {
      for (let h = 0; h < p.nHead; h++) ropeHead(X, t * row + h * p.headDim, positions[t], p, thetas);
    }
  }

  copyRows(dst: Tensor, src: Tensor, srcRow: number, dstRow: number, n: number): void {
    const S = act(src);
    const D = act(dst);
    if (S.cols !== D.cols) throw new BackendError(`copyRows: ${src.name} and ${dst.name} differ in columns`);
    D.data.set(S.data.subarray(srcRow * S.cols, (srcRow + n) * S.cols), dstRow * D.cols);
  }

  add(out: Tensor, a: Tensor, b: Tensor, n: number): void {
    const A = act(a).data;
    const B = act(b).data;
    const O = act(out).data;
    const len = n * act(a).cols;
    for (let i = 0; i < len; i++) O[i] = A[i] + B[i];
  }

  swiglu(out: Tensor, gate: Tensor, up: Tensor, n: number): void {
    const G = act(gate).data;
    const U = act(up).data;
    const O = act(out).data;
    const len = n * act(gate).cols;
    for (let i = 0; i < len; i++) O[i] = (G[i] / (1 + Math.exp(-G[i]))) * U[i];
  }

  writeKv(cache: KvCache, layer: number, cell0: number, k: Tensor, v: Tensor, n: number): void {
    const c = cache as RefKvCache;
    const row = c.spec.nHeadKv * c.spec.headDim;
    if (cell0 + n > c.spec.nCtx) throw new BackendError(`KV write of ${n} cells at ${cell0} overflows ${c.spec.nCtx}`);
    const K = act(k).data;
    const V = act(v).data;
    for (let i = 0; i < n * row; i++) {
      c.k[layer][cell0 * row + i] = store(c.spec.type, K[i]);
      c.v[layer][cell0 * row + i] = store(c.spec.type, V[i]);
    }
  }

  attention(out: Tensor, q: Tensor, cache: KvCache, layer: number, n: number, p: AttentionParams): void {
    const c = cache as RefKvCache;
    const Q = act(q).data;
    const O = act(out).data;
    const K = c.k[layer];
    const V = c.v[layer];
    const hd = p.headDim;
    const qRow = p.nHead * hd;
    const kvRow = p.nHeadKv * hd;
    const group = p.nHead / p.nHeadKv;
    for (let t = 0; t < n; t++) {
      const nKv = p.pos0 + t + 1; // causal: cells 0 .. pos0 + t
      const scores = new Float64Array(nKv);
      for (let h = 0; h < p.nHead; h++) {
        const kvh = Math.floor(h / group);
        const qo = t * qRow + h * hd;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < nKv; j++) {
          let s = 0;
          const ko = j * kvRow + kvh * hd;
          for (let d = 0; d < hd; d++) s += Q[qo + d] * K[ko + d];
          scores[j] = s * p.scale;
          if (scores[j] > max) max = scores[j];
        }
        let sum = 0;
        for (let j = 0; j < nKv; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (let d = 0; d < hd; d++) {
          let acc = 0;
          for (let j = 0; j < nKv; j++) acc += scores[j] * V[j * kvRow + kvh * hd + d];
          O[qo + d] = acc / sum;
        }
      }
    }
  }

  shiftKv(cache: KvCache, src: number, dst: number, count: number, delta: number, rope: RopeParams): void {
    const c = cache as RefKvCache;
    const row = c.spec.nHeadKv * c.spec.headDim;
    const thetas = ropeThetas(rope);
    for (let l = 0; l < c.spec.nLayer; l++) {
      c.k[l].copyWithin(dst * row, src * row, (src + count) * row);
      c.v[l].copyWithin(dst * row, src * row, (src + count) * row);
      for (let cell = dst; cell < dst + count; cell++) {
        for (let h = 0; h < c.spec.nHeadKv; h++) ropeHead(c.k[l], cell * row + h * c.spec.headDim, delta, rope, thetas);
        for (let i = 0; i < row; i++) c.k[l][cell * row + i] = store(c.spec.type, c.k[l][cell * row + i]);
      }
    }
  }
}

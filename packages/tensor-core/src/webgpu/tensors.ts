/** The WebGPU backend's tensor handles: activations, weights (split across buffers) and KV caches. */
import { type GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import type { ActivationType, KvCache, KvCacheSpec, Tensor } from '../backend.js';
import type { GpuBuf } from './gpu-buffer.js';
import type { KvStorage } from './kernels/kv-storage.js';
import type { GpuWeightFormat } from './quant/format.js';
import type { RowGeometry } from './quant/repack.js';

/** An f32 activation tensor `[rows, cols]` in one buffer (`f16` tensors are stored as f32 too). */
export class GpuTensor implements Tensor {
  readonly elements: number;
  readonly cols: number;
  readonly rows: number;
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: ActivationType,
    readonly buf: GpuBuf,
  ) {
    this.elements = shape.reduce((a, b) => a * b, 1);
    this.cols = shape[shape.length - 1] ?? 1;
    this.rows = this.elements / this.cols;
  }
}

/** Rows `row0 .. row0 + rows` of a weight, in one buffer. */
export interface WeightPiece {
  readonly buf: GpuBuf;
  readonly row0: number;
  readonly rows: number;
}

/** A weight `[cols, rows]` (ggml order) in its GPU layout, split by rows into bindable pieces. */
export class GpuWeight implements Tensor {
  readonly cols: number;
  readonly rows: number;
  /** Rows that an upload covered only in part so far: their file bytes, and how many arrived. */
  readonly partialRows = new Map<number, { bytes: Uint8Array; filled: number }>();
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: GgmlType,
    readonly format: GpuWeightFormat,
    readonly geometry: RowGeometry,
    readonly pieces: readonly WeightPiece[],
  ) {
    this.cols = shape[0];
    this.rows = shape.slice(1).reduce((a, b) => a * b, 1);
  }
  get typeName(): string {
    return ggmlTypeInfo(this.dtype).name;
  }
  /** The piece holding row `r`. */
  pieceOf(r: number): WeightPiece {
    for (const p of this.pieces) if (r < p.row0 + p.rows) return p;
    return this.pieces[this.pieces.length - 1];
  }
}

export class GpuKvCache implements KvCache {
  /** Elements per cell: nHeadKv * headDim. */
  readonly row: number;
  constructor(
    readonly spec: KvCacheSpec,
    readonly storage: KvStorage,
    readonly k: readonly GpuBuf[],
    readonly v: readonly GpuBuf[],
  ) {
    this.row = spec.nHeadKv * spec.headDim;
  }
}

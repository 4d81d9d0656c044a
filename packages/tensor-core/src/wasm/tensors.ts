/** The wasm backend's handles: where a weight, activation or KV cache lives (memory group and address). */
import type { GgmlType } from '@llamats/gguf-format';
import type { ActivationType, KvCache, KvCacheSpec, Tensor } from '../backend.js';
import type { MemoryGroup } from './memory-group.js';
import type { PlacementState } from './placement.js';

/** Anything stored at an address of a memory group. */
export abstract class Placed {
  freed = false;
  constructor(
    readonly group: MemoryGroup,
    readonly ptr: number,
    readonly byteLength: number,
  ) {}
}

/** A weight: raw GGUF bytes, `rows` rows of `cols` values (ggml shape `[cols, rows...]`). */
export class WasmWeight extends Placed implements Tensor {
  readonly cols: number;
  readonly rows: number;
  readonly rowBytes: number;
  /** Which blocks hold the kernels' own layout, for types placed in one (src/wasm/placement.ts). */
  readonly placement: PlacementState = { later: [], prefix: 0 };
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: GgmlType,
    group: MemoryGroup,
    ptr: number,
    byteLength: number,
  ) {
    super(group, ptr, byteLength);
    this.cols = shape[0];
    this.rows = shape.slice(1).reduce((a, b) => a * b, 1);
    this.rowBytes = byteLength / this.rows;
  }
}

/** An activation tensor: row-major f32, `rows` rows of `cols` (the last dimension). */
export class WasmActivation extends Placed implements Tensor {
  readonly cols: number;
  readonly rows: number;
  readonly length: number;
  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: ActivationType,
    group: MemoryGroup,
    ptr: number,
    /** The tensor whose rows this one aliases (a rows view), which owns the allocation. */
    readonly parent?: WasmActivation,
  ) {
    const length = shape.reduce((a, b) => a * b, 1);
    super(group, ptr, length * 4);
    this.length = length;
    this.cols = shape.length ? shape[shape.length - 1] : 1;
    this.rows = this.cols ? length / this.cols : 0;
  }
}

/**
 * One layer of a KV cache: K and V rows (`nCtx` cells each) in one allocation of `group` starting at `k`, so
 * that they always share a memory (the attention kernel reads both from one memory).
 */
export interface WasmKvLayer {
  readonly group: MemoryGroup;
  /** Address of the K rows (and of the allocation). */
  readonly k: number;
  /** Address of the V rows. */
  readonly v: number;
}

export class WasmKvCache implements KvCache {
  freed = false;
  /** Values per cell row (nHeadKv * headDim). */
  readonly rowValues: number;
  /** Bytes per stored value (4 for f32, 2 for f16). */
  readonly elementBytes: number;
  constructor(
    readonly spec: KvCacheSpec,
    readonly layers: readonly WasmKvLayer[],
  ) {
    this.rowValues = spec.nHeadKv * spec.headDim;
    this.elementBytes = spec.type === 'f16' ? 2 : 4;
  }
  get rowBytes(): number {
    return this.rowValues * this.elementBytes;
  }
}

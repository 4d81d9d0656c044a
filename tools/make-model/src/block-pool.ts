/**
 * Fast random quantized tensors. Quantizing every value of a 7B model with the reference quantizers takes
 * tens of minutes in one thread (Q4_K runs at about 3 M values/s), and speed does not depend on the
 * values. So each type gets a pool of about a million N(0, std) values quantized once by tensor-core's
 * `quantize`, and every row of every tensor is a run of pool blocks starting at a seeded random block:
 * each block is a genuine output of the quantizer, rows differ from each other, and a 4 GB model is
 * written at disk speed.
 */
import { type GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { quantize } from '@llamats/tensor-core';
import { hashString, Rng } from './random.js';

/** Values quantized per pool (rounded to whole blocks). */
export const POOL_VALUES = 1 << 20;

export class BlockPool {
  /** The quantized blocks, back to back. */
  readonly data: Uint8Array;
  readonly blocks: number;
  readonly blockSize: number;
  readonly bytesPerBlock: number;

  constructor(
    readonly type: GgmlType,
    std: number,
    seed: number,
    values = POOL_VALUES,
  ) {
    const info = ggmlTypeInfo(type);
    this.blockSize = info.blockSize;
    this.bytesPerBlock = info.bytesPerBlock;
    this.blocks = Math.max(1, Math.floor(values / info.blockSize));
    const n = this.blocks * this.blockSize;
    const src = new Rng(hashString(info.name, seed)).fillNormal(new Float32Array(n), std);
    this.data = new Uint8Array(this.blocks * this.bytesPerBlock);
    quantize(type, src, this.data, n);
  }

  /**
   * Fills `out` (at byte `at`) with one row of `rowLength` values: consecutive pool blocks from a random
   * start, wrapping around when a row is longer than the pool.
   */
  writeRow(rng: Rng, rowLength: number, out: Uint8Array, at: number): number {
    let blocks = rowLength / this.blockSize;
    let block = rng.below(this.blocks);
    while (blocks > 0) {
      const run = Math.min(blocks, this.blocks - block);
      out.set(this.data.subarray(block * this.bytesPerBlock, (block + run) * this.bytesPerBlock), at);
      at += run * this.bytesPerBlock;
      blocks -= run;
      block = 0;
    }
    return at;
  }
}

/**
 * The bytes of one generated tensor, produced a chunk of rows at a time so that memory stays bounded:
 * from a {@link BlockPool} (fast, the default) or by quantizing fresh N(0, std) values row by row (exact).
 */
import { GgmlType, ggmlByteSize, ggmlRowSize } from '@llamats/gguf-format';
import { quantize } from '@llamats/tensor-core';
import type { BlockPool } from './block-pool.js';
import type { TensorPlan } from './llama-layout.js';
import { Rng } from './random.js';

/** Output bytes per chunk. */
const CHUNK_BYTES = 8 << 20;

export interface TensorSource {
  readonly plan: TensorPlan;
  readonly type: GgmlType;
  /** Seed of this tensor's generator (derived from the model seed and the tensor name). */
  readonly seed: number;
  readonly std: number;
}

function* rowChunks(t: TensorSource): Generator<{ row: number; rows: number; rowBytes: number }> {
  const rowLength = t.plan.shape[0];
  const totalRows = t.plan.shape.slice(1).reduce((a, b) => a * b, 1);
  const rowBytes = ggmlRowSize(t.type, rowLength);
  const per = Math.max(1, Math.floor(CHUNK_BYTES / rowBytes));
  for (let row = 0; row < totalRows; row += per) yield { row, rows: Math.min(per, totalRows - row), rowBytes };
}

/** Norm weights: ones, in the tensor's type (F32 in llama.cpp files). */
export function* normBytes(t: TensorSource): Generator<Uint8Array> {
  const n = t.plan.shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(ggmlByteSize(t.type, n));
  quantize(t.type, new Float32Array(n).fill(1), out, n);
  yield out;
}

/** Rows assembled from pool blocks. */
export function* pooledBytes(t: TensorSource, pool: BlockPool): Generator<Uint8Array> {
  const rng = new Rng(t.seed);
  const rowLength = t.plan.shape[0];
  for (const { rows, rowBytes } of rowChunks(t)) {
    const out = new Uint8Array(rows * rowBytes);
    let at = 0;
    for (let r = 0; r < rows; r++) at = pool.writeRow(rng, rowLength, out, at);
    yield out;
  }
}

/** Every value drawn afresh and quantized (slow for K-quants: use for small models or checks). */
export function* exactBytes(t: TensorSource): Generator<Uint8Array> {
  const rng = new Rng(t.seed);
  const rowLength = t.plan.shape[0];
  for (const { rows, rowBytes } of rowChunks(t)) {
    const n = rows * rowLength;
    const values = rng.fillNormal(new Float32Array(n), t.std);
    if (t.type === GgmlType.F32) {
      yield new Uint8Array(values.buffer);
      continue;
    }
    const out = new Uint8Array(rows * rowBytes);
    quantize(t.type, values, out, n);
    yield out;
  }
}

/**
 * Converting rows of a tensor from one ggml type to another through f32: the unit of work of
 * quantization, small and self-contained so that it can run in a worker thread as well as inline.
 */
import { GgmlType, ggmlByteSize } from '@llamats/gguf-format';
import { dequantize, quantize } from '@llamats/tensor-core';

export interface RowConversion {
  readonly from: GgmlType;
  readonly to: GgmlType;
  /** Values per row (`shape[0]`). */
  readonly rowLength: number;
  readonly rows: number;
  /** `rows` rows of `from`. */
  readonly data: Uint8Array;
}

/** Runs a conversion somewhere (inline, or on a worker pool) and resolves with `rows` rows of `to`. */
export type RowConverter = (job: RowConversion, signal?: AbortSignal) => Promise<Uint8Array>;

/** Converts rows inline with tensor-core's reference dequantizers and quantizers. */
export function convertRows(job: RowConversion): Uint8Array {
  const n = job.rowLength * job.rows;
  let values: Float32Array;
  if (job.from === GgmlType.F32) {
    // A view when the bytes are 4-byte aligned, else a copy.
    const aligned = job.data.byteOffset % 4 === 0 ? job.data : job.data.slice();
    values = new Float32Array(aligned.buffer, aligned.byteOffset, n);
  } else {
    values = new Float32Array(n);
    dequantize(job.from, job.data, values, n);
  }
  const out = new Uint8Array(ggmlByteSize(job.to, n));
  quantize(job.to, values, out, n);
  return out;
}

/** The default {@link RowConverter}: inline, on the calling thread. */
export const inlineRowConverter: RowConverter = async (job) => convertRows(job);

/**
 * One module per ggml weight type implements this: the block layout (in its header comment), the plain
 * TypeScript reference dequantizer, and (when present) the reference quantizer. The registry in
 * `./registry.ts` is the single dispatch point over types.
 */
import type { GgmlType } from '@llamats/gguf-format';

export interface QuantFormat {
  readonly type: GgmlType;
  /**
   * Dequantizes `n` values (a whole number of blocks) from `src` (starting at a block boundary) into
   * `dst[0 .. n)`. Must match ggml's `dequantize_row_*` bit for bit.
   */
  dequantize(src: Uint8Array, dst: Float32Array, n: number): void;
  /** Quantizes `n` values (a whole number of blocks) into `dst`, as ggml's `quantize_row_*_ref`. */
  quantize?(src: Float32Array, dst: Uint8Array, n: number): void;
}

/** A little-endian DataView over a byte array view. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

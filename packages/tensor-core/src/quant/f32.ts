/**
 * F32: plain little-endian float32 values, 4 bytes each. Dequantizing copies the bytes, so every bit
 * pattern (NaN payloads included) comes through unchanged.
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';

export const f32Format: QuantFormat = {
  type: GgmlType.F32,
  dequantize(src, dst, n) {
    // JS engines are little-endian on every platform they ship for, like GGUF.
    new Uint8Array(dst.buffer, dst.byteOffset, n * 4).set(src.subarray(0, n * 4));
  },
  quantize(src, dst, n) {
    dst.set(new Uint8Array(src.buffer, src.byteOffset, n * 4));
  },
};

/** Reading and writing the IEEE half scales that quantized blocks store (little-endian). */
import { f32ToF16, halfToFloatTable } from '../f16.js';

/** The f32 value of the half at `src[o], src[o + 1]`, via the 65536-entry table. */
export function readHalf(table: Float32Array, src: Uint8Array, o: number): number {
  return table[src[o] | (src[o + 1] << 8)];
}

/**
 * Stores `value` as a half at `dst[o]` (`GGML_FP32_TO_FP16`) and returns the f32 value it now holds
 * (`GGML_FP16_TO_FP32` of what was stored), which the quantizers reuse as ggml does.
 */
export function writeHalf(dst: Uint8Array, o: number, value: number): number {
  const h = f32ToF16(value);
  dst[o] = h & 0xff;
  dst[o + 1] = h >> 8;
  return halfToFloatTable()[h];
}

export { halfToFloatTable };

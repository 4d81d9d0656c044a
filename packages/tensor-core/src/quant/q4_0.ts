/**
 * Q4_0: blocks of 32 values in 18 bytes.
 *
 * ```
 * struct block_q4_0 {   // 18 bytes
 *   half    d;          // [0, 2)   scale
 *   uint8_t qs[16];     // [2, 18)  byte j: low nibble = element j, high nibble = element j + 16
 * };
 * x[j] = (q[j] - 8) * d
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)

export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

export const q4_0Format: QuantFormat = {
  type: GgmlType.Q4_0,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q4_0_BLOCK; b++, o += Q4_0_BYTES, y += Q4_0_BLOCK) {
      const d = readHalf(half, src, o);
      for (let j = 0; j < 16; j++) {
        const q = src[o + 2 + j];
        dst[y + j] = ((q & 0x0f) - 8) * d;
        dst[y + j + 16] = ((q >> 4) - 8) * d;
      }
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q4_0_ref: d = max / -8 where max is the value of largest magnitude, so that value maps
    // to level 0 exactly; levels are (int8)(x * id + 8.5) capped at 15. (A build of ggml that fuses
    // x * id + 8.5 into one fma can differ in rare ties; the fixture models match the unfused form.)
    for (let b = 0, o = 0, x = 0; b < n / Q4_0_BLOCK; b++, o += Q4_0_BYTES, x += Q4_0_BLOCK) {
      let amax = 0;
      let max = 0;
      for (let j = 0; j < Q4_0_BLOCK; j++) {
        const v = src[x + j];
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = f32(max / -8);
      const id = d ? f32(1 / d) : 0;
      writeHalf(dst, o, d);
      for (let j = 0; j < 16; j++) {
        const q0 = Math.min(15, Math.trunc(f32(f32(src[x + j] * id) + 8.5)));
        const q1 = Math.min(15, Math.trunc(f32(f32(src[x + j + 16] * id) + 8.5)));
        dst[o + 2 + j] = q0 | (q1 << 4);
      }
    }
  },
};

/**
 * Q4_1: blocks of 32 values in 20 bytes.
 *
 * ```
 * struct block_q4_1 {   // 20 bytes
 *   half    d;          // [0, 2)   scale
 *   half    m;          // [2, 4)   min (the value of level 0)
 *   uint8_t qs[16];     // [4, 20)  byte j: low nibble = element j, high nibble = element j + 16
 * };
 * x[j] = q[j] * d + m
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';
import { FLT_MAX } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)

export const Q4_1_BLOCK = 32;
export const Q4_1_BYTES = 20;

export const q4_1Format: QuantFormat = {
  type: GgmlType.Q4_1,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q4_1_BLOCK; b++, o += Q4_1_BYTES, y += Q4_1_BLOCK) {
      const d = readHalf(half, src, o);
      const m = readHalf(half, src, o + 2);
      for (let j = 0; j < 16; j++) {
        const q = src[o + 4 + j];
        dst[y + j] = f32((q & 0x0f) * d) + m;
        dst[y + j + 16] = f32((q >> 4) * d) + m;
      }
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q4_1_ref: d = (max - min) / 15, m = min; levels (int8)((x - min) * id + 0.5), capped at 15.
    for (let b = 0, o = 0, x = 0; b < n / Q4_1_BLOCK; b++, o += Q4_1_BYTES, x += Q4_1_BLOCK) {
      let min = FLT_MAX;
      let max = -FLT_MAX;
      for (let j = 0; j < Q4_1_BLOCK; j++) {
        const v = src[x + j];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const d = f32(f32(max - min) / 15);
      const id = d ? f32(1 / d) : 0;
      writeHalf(dst, o, d);
      writeHalf(dst, o + 2, min);
      for (let j = 0; j < 16; j++) {
        const q0 = Math.min(15, Math.trunc(f32(f32(f32(src[x + j] - min) * id) + 0.5)));
        const q1 = Math.min(15, Math.trunc(f32(f32(f32(src[x + j + 16] - min) * id) + 0.5)));
        dst[o + 4 + j] = q0 | (q1 << 4);
      }
    }
  },
};

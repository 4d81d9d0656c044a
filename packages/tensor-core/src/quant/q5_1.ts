/**
 * Q5_1: blocks of 32 values in 24 bytes.
 *
 * ```
 * struct block_q5_1 {   // 24 bytes
 *   half    d;          // [0, 2)   scale
 *   half    m;          // [2, 4)   min (the value of level 0)
 *   uint8_t qh[4];      // [4, 8)   little-endian u32: bit j = 5th bit of element j
 *   uint8_t qs[16];     // [8, 24)  byte j: low nibble = element j, high nibble = element j + 16 (low 4 bits)
 * };
 * x[j] = q[j] * d + m
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';
import { packQ5, readQh } from './q5_0.js';
import { FLT_MAX } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)

export const Q5_1_BLOCK = 32;
export const Q5_1_BYTES = 24;

const levels = new Uint8Array(32);

export const q5_1Format: QuantFormat = {
  type: GgmlType.Q5_1,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q5_1_BLOCK; b++, o += Q5_1_BYTES, y += Q5_1_BLOCK) {
      const d = readHalf(half, src, o);
      const m = readHalf(half, src, o + 2);
      const qh = readQh(src, o + 4);
      for (let j = 0; j < 16; j++) {
        const q = src[o + 8 + j];
        dst[y + j] = f32(((q & 0x0f) | (((qh >>> j) & 1) << 4)) * d) + m;
        dst[y + j + 16] = f32(((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) * d) + m;
      }
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q5_1_ref: d = (max - min) / 31, m = min; levels (uint8)((x - min) * id + 0.5).
    for (let b = 0, o = 0, x = 0; b < n / Q5_1_BLOCK; b++, o += Q5_1_BYTES, x += Q5_1_BLOCK) {
      let min = FLT_MAX;
      let max = -FLT_MAX;
      for (let j = 0; j < Q5_1_BLOCK; j++) {
        const v = src[x + j];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const d = f32(f32(max - min) / 31);
      const id = d ? f32(1 / d) : 0;
      writeHalf(dst, o, d);
      writeHalf(dst, o + 2, min);
      for (let j = 0; j < Q5_1_BLOCK; j++) levels[j] = Math.trunc(f32(f32(f32(src[x + j] - min) * id) + 0.5)) & 0xff;
      packQ5(levels, dst, o + 4, o + 8);
    }
  },
};

/**
 * Q8_0: blocks of 32 values in 34 bytes.
 *
 * ```
 * struct block_q8_0 {   // 34 bytes
 *   half   d;           // [0, 2)   scale
 *   int8_t qs[32];      // [2, 34)
 * };
 * x[j] = d * qs[j]
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';
import { roundAway as roundAwayFn } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)
// Local bindings for the hot loops: a module-namespace lookup per call (what test runners' module transforms
// emit for imported functions) costs several times the arithmetic.
const roundAway = roundAwayFn;

export const Q8_0_BLOCK = 32;
export const Q8_0_BYTES = 34;

export const q8_0Format: QuantFormat = {
  type: GgmlType.Q8_0,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q8_0_BLOCK; b++, o += Q8_0_BYTES, y += Q8_0_BLOCK) {
      const d = readHalf(half, src, o);
      for (let j = 0; j < Q8_0_BLOCK; j++) dst[y + j] = d * ((src[o + 2 + j] << 24) >> 24);
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q8_0_ref: d = amax / 127, levels roundf(x / d) (half away from zero).
    for (let b = 0, o = 0, x = 0; b < n / Q8_0_BLOCK; b++, o += Q8_0_BYTES, x += Q8_0_BLOCK) {
      let amax = 0;
      for (let j = 0; j < Q8_0_BLOCK; j++) {
        const a = Math.abs(src[x + j]);
        if (a > amax) amax = a; // MAX(amax, fabsf(v))
      }
      const d = f32(amax / 127);
      const id = d ? f32(1 / d) : 0;
      writeHalf(dst, o, d);
      for (let j = 0; j < Q8_0_BLOCK; j++) dst[o + 2 + j] = roundAway(f32(src[x + j] * id)) & 0xff;
    }
  },
};

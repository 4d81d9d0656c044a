// Q8_0: blocks of 32 values, 34 bytes: { half d; int8 qs[32]; }, x[i] = d * qs[i].
import { GgmlType } from '@llamats/gguf-format';
import { f32ToF16, halfToFloatTable } from '../f16.js';
import { roundAway } from './rounding.js';
import type { QuantFormat } from './format.js';

const QK = 32;
const BLOCK_BYTES = 34;

export const q8_0Format: QuantFormat = {
  type: GgmlType.Q8_0,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0; b < n / QK; b++) {
      const o = b * BLOCK_BYTES;
      const d = half[src[o] | (src[o + 1] << 8)];
      for (let j = 0; j < QK; j++) dst[b * QK + j] = d * ((src[o + 2 + j] << 24) >> 24);
    }
  },
  quantize(src, dst, n) {
    // f32 arithmetic as in ggml's quantize_row_q8_0_ref (Math.fround), roundf = half away from zero.
    const fr = Math.fround;
    for (let b = 0; b < n / QK; b++) {
      let amax = 0;
      for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(src[b * QK + j]));
      const d = fr(amax / 127);
      const id = d ? fr(1 / d) : 0;
      const o = b * BLOCK_BYTES;
      const h = f32ToF16(d);
      dst[o] = h & 0xff;
      dst[o + 1] = h >> 8;
      for (let j = 0; j < QK; j++) dst[o + 2 + j] = roundAway(fr(src[b * QK + j] * id)) & 0xff;
    }
  },
};

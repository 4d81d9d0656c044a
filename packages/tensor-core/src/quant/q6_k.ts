/**
 * Q6_K: super-blocks of 256 values in 210 bytes: 16 sub-blocks of 16, each with a signed 8-bit scale.
 *
 * ```
 * struct block_q6_K {     // 210 bytes (not a multiple of 4: do not alias as u32)
 *   uint8_t ql[128];      // [0, 128)    low 4 bits; half h (128 values) uses ql[64h .. 64h + 64):
 *                         //             ql[l] low -> value l, ql[l + 32] low -> l + 32,
 *                         //             ql[l] high -> l + 64, ql[l + 32] high -> l + 96
 *   uint8_t qh[64];       // [128, 192)  high 2 bits; qh[32h + l] bits 0-1, 2-3, 4-5, 6-7 -> l, l + 32, l + 64, l + 96
 *   int8_t  scales[16];   // [192, 208)  scale per 16 values
 *   half    d;            // [208, 210)
 * };
 * x = (d * scale[s]) * (q - 32)     for sub-block s = element / 16
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';
import { GROUP_MAX_EPS, makeQxQuants } from './k-quant-fit.js';
import { nearestInt as nearestIntFn } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)
// Local bindings for the hot loops: a module-namespace lookup per call (what test runners' module transforms
// emit for imported functions) costs several times the arithmetic.
const nearestInt = nearestIntFn;

export const Q6_K_BLOCK = 256;
export const Q6_K_BYTES = 210;

const L = new Uint8Array(256);
const scales = new Float32Array(16);
const ds = new Float32Array(16);

export const q6_KFormat: QuantFormat = {
  type: GgmlType.Q6_K,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q6_K_BLOCK; b++, o += Q6_K_BYTES, y += Q6_K_BLOCK) {
      const d = readHalf(half, src, o + 208);
      for (let s = 0; s < 16; s++) ds[s] = f32(d * ((src[o + 192 + s] << 24) >> 24));
      for (let h = 0; h < 2; h++) {
        const ql = o + 64 * h;
        const qh = o + 128 + 32 * h;
        const yh = y + 128 * h;
        const sc = 8 * h;
        for (let l = 0; l < 32; l++) {
          const is = sc + (l >> 4);
          const lo = src[ql + l];
          const hi = src[ql + l + 32];
          const top = src[qh + l];
          dst[yh + l] = ds[is] * (((lo & 0x0f) | ((top & 3) << 4)) - 32);
          dst[yh + l + 32] = ds[is + 2] * (((hi & 0x0f) | (((top >> 2) & 3) << 4)) - 32);
          dst[yh + l + 64] = ds[is + 4] * (((lo >> 4) | (((top >> 4) & 3) << 4)) - 32);
          dst[yh + l + 96] = ds[is + 6] * (((hi >> 4) | (((top >> 6) & 3) << 4)) - 32);
        }
      }
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q6_K_ref: fit each 16-value group (levels -32..31), quantize the 16 scales to int8
    // against the largest, then re-derive the levels from the rounded scales.
    for (let b = 0, o = 0, x = 0; b < n / Q6_K_BLOCK; b++, o += Q6_K_BYTES, x += Q6_K_BLOCK) {
      let maxScale = 0;
      let maxAbsScale = 0;
      for (let s = 0; s < 16; s++) {
        const scale = makeQxQuants(16, 32, src, x + 16 * s, L, 16 * s);
        scales[s] = scale;
        if (Math.abs(scale) > maxAbsScale) {
          maxAbsScale = Math.abs(scale);
          maxScale = scale;
        }
      }
      if (maxAbsScale < GROUP_MAX_EPS) {
        dst.fill(0, o, o + Q6_K_BYTES);
        continue;
      }
      const iscale = f32(-128 / maxScale);
      const d = writeHalf(dst, o + 208, f32(1 / iscale));
      for (let s = 0; s < 16; s++) {
        // MIN(127, nearest_int(.)) stored as int8
        dst[o + 192 + s] = Math.min(127, nearestInt(f32(iscale * scales[s]))) & 0xff;
      }
      for (let s = 0; s < 16; s++) {
        const ds = f32(d * ((dst[o + 192 + s] << 24) >> 24));
        if (!ds) continue;
        for (let i = 0; i < 16; i++) {
          const l = nearestInt(f32(src[x + 16 * s + i] / ds));
          L[16 * s + i] = (l < -32 ? -32 : l > 31 ? 31 : l) + 32;
        }
      }
      for (let h = 0; h < 2; h++) {
        for (let l = 0; l < 32; l++) {
          const e = 128 * h + l;
          dst[o + 64 * h + l] = (L[e] & 0x0f) | ((L[e + 64] & 0x0f) << 4);
          dst[o + 64 * h + l + 32] = (L[e + 32] & 0x0f) | ((L[e + 96] & 0x0f) << 4);
          dst[o + 128 + 32 * h + l] =
            (L[e] >> 4) | ((L[e + 32] >> 4) << 2) | ((L[e + 64] >> 4) << 4) | ((L[e + 96] >> 4) << 6);
        }
      }
    }
  },
};

/**
 * Q3_K: super-blocks of 256 values in 110 bytes: 16 sub-blocks of 16, each with a signed 6-bit scale.
 *
 * ```
 * struct block_q3_K {     // 110 bytes (not a multiple of 4: do not alias as u32)
 *   uint8_t hmask[32];    // [0, 32)    bit k of hmask[l] = high bit of value 32k + l (set: level 0..3, clear: -4..-1)
 *   uint8_t qs[64];       // [32, 96)   low 2 bits, laid out as Q2_K's qs
 *   uint8_t scales[12];   // [96, 108)  16 scales of 6 bits, stored +32:
 *                         //            low 4 bits of scale s: byte s (s < 8) low nibble, byte s - 8 high nibble (s >= 8)
 *                         //            high 2 bits: byte 8 + s % 4, bits 2 * floor(s / 4) .. + 1
 *   half    d;            // [108, 110)
 * };
 * x = (d * (scale[s] - 32)) * (q2 - (high bit ? 0 : 4))     for sub-block s = element / 16
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';
import { makeQ3Quants } from './k-quant-fit.js';
import { pack2BitLevels } from './q2_k.js';
import { nearestInt as nearestIntFn } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)
// Local bindings for the hot loops: a module-namespace lookup per call (what test runners' module transforms
// emit for imported functions) costs several times the arithmetic.
const nearestInt = nearestIntFn;

export const Q3_K_BLOCK = 256;
export const Q3_K_BYTES = 110;

/** The signed scale (-32..31) of sub-block `s` (0..15) from the 12 scale bytes at `q[o ..]`. */
export function scaleQ3K(q: Uint8Array, o: number, s: number): number {
  const low = s < 8 ? q[o + s] & 0x0f : q[o + s - 8] >> 4;
  const high = (q[o + 8 + (s & 3)] >> (2 * (s >> 2))) & 3;
  return (low | (high << 4)) - 32;
}

const L = new Int8Array(256);
const scales = new Float32Array(16);
const dl = new Float32Array(16);

export const q3_KFormat: QuantFormat = {
  type: GgmlType.Q3_K,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q3_K_BLOCK; b++, o += Q3_K_BYTES, y += Q3_K_BLOCK) {
      const d = readHalf(half, src, o + 108);
      for (let s = 0; s < 16; s++) dl[s] = f32(d * scaleQ3K(src, o + 96, s));
      for (let e = 0; e < 256; e++) {
        const l = e & 31;
        const q2 = (src[o + 32 + 32 * (e >> 7) + l] >> (2 * ((e >> 5) & 3))) & 3;
        const high = (src[o + l] >> (e >> 5)) & 1;
        dst[y + e] = dl[e >> 4] * (q2 - (high ? 0 : 4));
      }
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q3_K_ref: fit each 16-value group (levels -4..3, weights x^2), quantize the 16 scales to
    // 6 bits against the largest in magnitude, then re-derive the levels from the rounded scales.
    for (let b = 0, o = 0, x = 0; b < n / Q3_K_BLOCK; b++, o += Q3_K_BYTES, x += Q3_K_BLOCK) {
      let maxScale = 0;
      let amax = 0;
      for (let s = 0; s < 16; s++) {
        scales[s] = makeQ3Quants(16, 4, src, x + 16 * s, L, 16 * s);
        if (Math.abs(scales[s]) > amax) {
          amax = Math.abs(scales[s]);
          maxScale = scales[s];
        }
      }
      dst.fill(0, o + 96, o + 108);
      let d = 0;
      if (maxScale) {
        const iscale = f32(-32 / maxScale);
        for (let s = 0; s < 16; s++) {
          const q = nearestInt(f32(iscale * scales[s]));
          const l = (q < -32 ? -32 : q > 31 ? 31 : q) + 32;
          if (s < 8) dst[o + 96 + s] = l & 0x0f;
          else dst[o + 96 + s - 8] |= (l & 0x0f) << 4;
          dst[o + 96 + 8 + (s & 3)] |= (l >> 4) << (2 * (s >> 2));
        }
        d = writeHalf(dst, o + 108, f32(1 / iscale));
      } else {
        writeHalf(dst, o + 108, 0);
      }
      for (let s = 0; s < 16; s++) {
        const ds = f32(d * scaleQ3K(dst, o + 96, s));
        if (!ds) continue;
        for (let i = 0; i < 16; i++) {
          const l = nearestInt(f32(src[x + 16 * s + i] / ds));
          L[16 * s + i] = (l < -4 ? -4 : l > 3 ? 3 : l) + 4;
        }
      }
      // high bit of each level into hmask (bit k of byte l for value 32k + l), the low 2 bits into qs
      dst.fill(0, o, o + 32);
      for (let e = 0; e < 256; e++) {
        if (L[e] > 3) {
          dst[o + (e & 31)] |= 1 << (e >> 5);
          L[e] -= 4;
        }
      }
      pack2BitLevels(L, dst, o + 32);
    }
  },
};

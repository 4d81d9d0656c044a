/**
 * Q4_K: super-blocks of 256 values in 144 bytes: 8 sub-blocks of 32, each with a 6-bit scale and min.
 *
 * ```
 * struct block_q4_K {     // 144 bytes
 *   half    d;            // [0, 2)     super-scale of the scales
 *   half    dmin;         // [2, 4)     super-scale of the mins
 *   uint8_t scales[12];   // [4, 16)    6-bit scale / min per sub-block (see k4-scales.ts)
 *   uint8_t qs[128];      // [16, 144)  chunk c (64 values) = qs[32c .. 32c + 32):
 *                         //            low nibbles -> values 64c + l, high nibbles -> 64c + 32 + l
 * };
 * x = (d * scale[s]) * q - (dmin * min[s])     for sub-block s = element / 32
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';
import { type AffineFit, makeQkx2Quants } from './k-quant-fit.js';
import { minK4, packScaleMinK4, scaleK4 } from './k4-scales.js';
import { nearestInt as nearestIntFn } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)
// Local bindings for the hot loops: a module-namespace lookup per call (what test runners' module transforms
// emit for imported functions) costs several times the arithmetic.
const nearestInt = nearestIntFn;

export const Q4_K_BLOCK = 256;
export const Q4_K_BYTES = 144;

export const q4_KFormat: QuantFormat = {
  type: GgmlType.Q4_K,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q4_K_BLOCK; b++, o += Q4_K_BYTES, y += Q4_K_BLOCK) {
      const d = readHalf(half, src, o);
      const dmin = readHalf(half, src, o + 2);
      for (let c = 0; c < 4; c++) {
        const d1 = f32(d * scaleK4(src, o + 4, 2 * c));
        const m1 = f32(dmin * minK4(src, o + 4, 2 * c));
        const d2 = f32(d * scaleK4(src, o + 4, 2 * c + 1));
        const m2 = f32(dmin * minK4(src, o + 4, 2 * c + 1));
        const qs = o + 16 + 32 * c;
        const yc = y + 64 * c;
        for (let l = 0; l < 32; l++) {
          const q = src[qs + l];
          dst[yc + l] = f32(d1 * (q & 0x0f)) - m1;
          dst[yc + 32 + l] = f32(d2 * (q >> 4)) - m2;
        }
      }
    }
  },
  quantize(src, dst, n) {
    quantizeAffineK(src, dst, n, 15, Q4_K_BYTES, -1, 20, packQ4K);
  },
};

/** Q4_K level packing: 4-bit levels, pairs (l, l + 32) of each 64-value chunk share a byte. */
function packQ4K(L: Uint8Array, dst: Uint8Array, o: number): void {
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) dst[o + 16 + 32 * c + l] = L[64 * c + l] | (L[64 * c + l + 32] << 4);
  }
}

const L = new Uint8Array(256);
const weights = new Float32Array(32);
const scales = new Float32Array(8);
const mins = new Float32Array(8);
const ls = new Uint8Array(8);
const lm = new Uint8Array(8);
const fit: AffineFit = { min: 0, aux: new Uint8Array(32) };

/**
 * The reference quantizer shared by Q4_K and Q5_K (`quantize_row_q4_K_ref` / `quantize_row_q5_K_ref`):
 * fit each 32-value sub-block with weights `rms + |x|`, quantize the 8 scales and 8 mins to 6 bits against
 * their maxima, then re-derive every level from the rounded scales. `pack` stores the levels (0..nmax).
 */
export function quantizeAffineK(
  src: Float32Array,
  dst: Uint8Array,
  n: number,
  nmax: number,
  bytesPerBlock: number,
  rmin: number,
  nstep: number,
  pack: (L: Uint8Array, dst: Uint8Array, o: number) => void,
): void {
  for (let b = 0, o = 0, x = 0; b < n / 256; b++, o += bytesPerBlock, x += 256) {
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      const xo = x + 32 * j;
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = f32(sumX2 + f32(src[xo + l] * src[xo + l]));
      const avX = f32(Math.sqrt(f32(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = f32(avX + Math.abs(src[xo + l]));
      scales[j] = makeQkx2Quants(32, nmax, src, xo, weights, L, 32 * j, fit, rmin, f32(0.1), nstep, false);
      mins[j] = fit.min;
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    const invScale = maxScale > 0 ? f32(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? f32(63 / maxMin) : 0;
    for (let j = 0; j < 8; j++) {
      // uint8_t conversion, then MIN(63, .)
      ls[j] = Math.min(63, nearestInt(f32(invScale * scales[j])) & 0xff);
      lm[j] = Math.min(63, nearestInt(f32(invMin * mins[j])) & 0xff);
    }
    packScaleMinK4(dst, o + 4, ls, lm);
    const d = writeHalf(dst, o, f32(maxScale / 63));
    const dmin = writeHalf(dst, o + 2, f32(maxMin / 63));
    for (let j = 0; j < 8; j++) {
      const dj = f32(d * ls[j]);
      if (!dj) continue;
      const mj = f32(dmin * lm[j]);
      for (let i = 0; i < 32; i++) {
        const l = nearestInt(f32(f32(src[x + 32 * j + i] + mj) / dj));
        L[32 * j + i] = l < 0 ? 0 : l > nmax ? nmax : l;
      }
    }
    pack(L, dst, o);
  }
}

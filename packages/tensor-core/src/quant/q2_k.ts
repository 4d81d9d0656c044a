/**
 * Q2_K: super-blocks of 256 values in 84 bytes: 16 sub-blocks of 16, each with a 4-bit scale and min.
 *
 * ```
 * struct block_q2_K {     // 84 bytes
 *   uint8_t scales[16];   // [0, 16)   sub-block s: low nibble = scale, high nibble = min
 *   uint8_t qs[64];       // [16, 80)  2-bit levels; half h (128 values) uses qs[32h .. 32h + 32):
 *                         //           bits 2k..2k+1 of qs[32h + l] -> value 128h + 32k + l
 *   half    d;            // [80, 82)  super-scale of the scales
 *   half    dmin;         // [82, 84)  super-scale of the mins
 * };
 * x = (d * scale[s]) * q - (dmin * min[s])     for sub-block s = element / 16
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';
import { type AffineFit, makeQkx2Quants } from './k-quant-fit.js';
import { nearestInt as nearestIntFn } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)
// Local bindings for the hot loops: a module-namespace lookup per call (what test runners' module transforms
// emit for imported functions) costs several times the arithmetic.
const nearestInt = nearestIntFn;

export const Q2_K_BLOCK = 256;
export const Q2_K_BYTES = 84;

/**
 * Packs 256 2-bit levels as Q2_K and Q3_K store them: byte `32h + l` holds values 128h + l, + 32, + 64, + 96
 * in bits 0-1, 2-3, 4-5, 6-7.
 */
export function pack2BitLevels(L: Uint8Array | Int8Array, dst: Uint8Array, at: number): void {
  for (let h = 0; h < 2; h++) {
    for (let l = 0; l < 32; l++) {
      const e = 128 * h + l;
      dst[at + 32 * h + l] = L[e] | (L[e + 32] << 2) | (L[e + 64] << 4) | (L[e + 96] << 6);
    }
  }
}

const L = new Uint8Array(256);
const weights = new Float32Array(16);
const scales = new Float32Array(16);
const mins = new Float32Array(16);
const fit: AffineFit = { min: 0, aux: new Uint8Array(16) };
const Q4SCALE = 15;

export const q2_KFormat: QuantFormat = {
  type: GgmlType.Q2_K,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q2_K_BLOCK; b++, o += Q2_K_BYTES, y += Q2_K_BLOCK) {
      const d = readHalf(half, src, o + 80);
      const dmin = readHalf(half, src, o + 82);
      for (let s = 0; s < 16; s++) {
        const sc = src[o + s];
        const dl = f32(d * (sc & 0x0f));
        const ml = f32(dmin * (sc >> 4));
        // sub-block s covers values 16s .. 16s + 16: half h = s >> 3, shift 2 * ((s >> 1) & 3), bytes from (s & 1) * 16
        const qs = o + 16 + 32 * (s >> 3) + 16 * (s & 1);
        const shift = 2 * ((s >> 1) & 3);
        const ys = y + 16 * s;
        for (let l = 0; l < 16; l++) dst[ys + l] = f32(dl * ((src[qs + l] >> shift) & 3)) - ml;
      }
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q2_K_ref: fit each 16-value group with weights |x| (mean absolute error), quantize the
    // 16 scales and 16 mins to 4 bits against their maxima, re-derive the levels from the rounded scales.
    for (let b = 0, o = 0, x = 0; b < n / Q2_K_BLOCK; b++, o += Q2_K_BYTES, x += Q2_K_BLOCK) {
      let maxScale = 0;
      let maxMin = 0;
      for (let s = 0; s < 16; s++) {
        for (let l = 0; l < 16; l++) weights[l] = Math.abs(src[x + 16 * s + l]);
        scales[s] = makeQkx2Quants(16, 3, src, x + 16 * s, weights, L, 16 * s, fit, -0.5, f32(0.1), 15, true);
        mins[s] = fit.min;
        if (scales[s] > maxScale) maxScale = scales[s];
        if (mins[s] > maxMin) maxMin = mins[s];
      }
      let d = 0;
      if (maxScale > 0) {
        const iscale = f32(Q4SCALE / maxScale);
        for (let s = 0; s < 16; s++) dst[o + s] = nearestInt(f32(iscale * scales[s]));
        d = writeHalf(dst, o + 80, f32(maxScale / Q4SCALE));
      } else {
        dst.fill(0, o, o + 16);
        writeHalf(dst, o + 80, 0);
      }
      let dmin = 0;
      if (maxMin > 0) {
        const iscale = f32(Q4SCALE / maxMin);
        for (let s = 0; s < 16; s++) dst[o + s] |= nearestInt(f32(iscale * mins[s])) << 4;
        dmin = writeHalf(dst, o + 82, f32(maxMin / Q4SCALE));
      } else {
        writeHalf(dst, o + 82, 0);
      }
      for (let s = 0; s < 16; s++) {
        const ds = f32(d * (dst[o + s] & 0x0f));
        if (!ds) continue;
        const dm = f32(dmin * (dst[o + s] >> 4));
        for (let i = 0; i < 16; i++) {
          const l = nearestInt(f32(f32(src[x + 16 * s + i] + dm) / ds));
          L[16 * s + i] = l < 0 ? 0 : l > 3 ? 3 : l;
        }
      }
      pack2BitLevels(L, dst, o + 16);
    }
  },
};

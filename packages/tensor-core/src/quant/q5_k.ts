/**
 * Q5_K: super-blocks of 256 values in 176 bytes: 8 sub-blocks of 32, each with a 6-bit scale and min.
 *
 * ```
 * struct block_q5_K {     // 176 bytes
 *   half    d;            // [0, 2)      super-scale of the scales
 *   half    dmin;         // [2, 4)      super-scale of the mins
 *   uint8_t scales[12];   // [4, 16)     6-bit scale / min per sub-block (see k4-scales.ts)
 *   uint8_t qh[32];       // [16, 48)    5th bits: bit 2c of qh[l] -> value 64c + l, bit 2c + 1 -> 64c + 32 + l
 *   uint8_t qs[128];      // [48, 176)   low 4 bits, laid out as Q4_K's qs
 * };
 * x = (d * scale[s]) * q - (dmin * min[s])     for sub-block s = element / 32
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf } from './half.js';
import { minK4, scaleK4 } from './k4-scales.js';
import { quantizeAffineK } from './q4_k.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)

export const Q5_K_BLOCK = 256;
export const Q5_K_BYTES = 176;

export const q5_KFormat: QuantFormat = {
  type: GgmlType.Q5_K,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q5_K_BLOCK; b++, o += Q5_K_BYTES, y += Q5_K_BLOCK) {
      const d = readHalf(half, src, o);
      const dmin = readHalf(half, src, o + 2);
      for (let c = 0; c < 4; c++) {
        const d1 = f32(d * scaleK4(src, o + 4, 2 * c));
        const m1 = f32(dmin * minK4(src, o + 4, 2 * c));
        const d2 = f32(d * scaleK4(src, o + 4, 2 * c + 1));
        const m2 = f32(dmin * minK4(src, o + 4, 2 * c + 1));
        const qs = o + 48 + 32 * c;
        const yc = y + 64 * c;
        for (let l = 0; l < 32; l++) {
          const q = src[qs + l];
          const h = src[o + 16 + l] >> (2 * c);
          dst[yc + l] = f32(d1 * ((q & 0x0f) | ((h & 1) << 4))) - m1;
          dst[yc + 32 + l] = f32(d2 * ((q >> 4) | ((h & 2) << 3))) - m2;
        }
      }
    }
  },
  quantize(src, dst, n) {
    quantizeAffineK(src, dst, n, 31, Q5_K_BYTES, -0.5, 15, packQ5K);
  },
};

/** Q5_K level packing: low nibbles as Q4_K, the 5th bits into qh. */
function packQ5K(L: Uint8Array, dst: Uint8Array, o: number): void {
  dst.fill(0, o + 16, o + 48);
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) {
      const l1 = L[64 * c + l];
      const l2 = L[64 * c + l + 32];
      dst[o + 16 + l] |= ((l1 >> 4) << (2 * c)) | ((l2 >> 4) << (2 * c + 1));
      dst[o + 48 + 32 * c + l] = (l1 & 0x0f) | ((l2 & 0x0f) << 4);
    }
  }
}

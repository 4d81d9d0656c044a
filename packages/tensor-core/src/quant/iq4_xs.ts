/**
 * IQ4_XS: super-blocks of 256 values in 136 bytes: 8 sub-blocks of 32 with 6-bit scales, IQ4_NL levels.
 *
 * ```
 * struct block_iq4_xs {   // 136 bytes
 *   half     d;           // [0, 2)
 *   uint16_t scales_h;    // [2, 4)    little-endian: bits 2s..2s+1 = high 2 bits of scale s
 *   uint8_t  scales_l[4]; // [4, 8)    byte s / 2, nibble s % 2 = low 4 bits of scale s
 *   uint8_t  qs[128];     // [8, 136)  sub-block s: qs[16s .. 16s + 16) as IQ4_NL's qs
 * };
 * x = (d * (scale[s] - 32)) * KVALUES_IQ4NL[q]     for sub-block s = element / 32
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf } from './half.js';
import { fitIq4, newIq4Fit } from './iq4-fit.js';
import { KVALUES_IQ4NL, packIq4Levels } from './iq4-levels.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)

export const IQ4_XS_BLOCK = 256;
export const IQ4_XS_BYTES = 136;

/** The 6-bit scale (0..63, stored +32) of sub-block `s` (0..7) of the IQ4_XS block at `src[o]`. */
export function scaleIq4Xs(src: Uint8Array, o: number, s: number): number {
  const scalesH = src[o + 2] | (src[o + 3] << 8);
  return ((src[o + 4 + (s >> 1)] >> (4 * (s & 1))) & 0x0f) | (((scalesH >> (2 * s)) & 3) << 4);
}

const fit = newIq4Fit();

export const iq4_xsFormat: QuantFormat = {
  type: GgmlType.IQ4_XS,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    const kv = KVALUES_IQ4NL;
    for (let b = 0, o = 0, y = 0; b < n / IQ4_XS_BLOCK; b++, o += IQ4_XS_BYTES, y += IQ4_XS_BLOCK) {
      const d = readHalf(half, src, o);
      for (let s = 0; s < 8; s++) {
        const dl = f32(d * (scaleIq4Xs(src, o, s) - 32));
        const qs = o + 8 + 16 * s;
        const ys = y + 32 * s;
        for (let j = 0; j < 16; j++) {
          const q = src[qs + j];
          dst[ys + j] = dl * kv[q & 0x0f];
          dst[ys + j + 16] = dl * kv[q >> 4];
        }
      }
    }
  },
  quantize(src, dst, n) {
    for (let b = 0, o = 0, x = 0; b < n / IQ4_XS_BLOCK; b++, o += IQ4_XS_BYTES, x += IQ4_XS_BLOCK) {
      fitIq4(src, x, 256, dst, o, fit);
      let scalesH = 0;
      for (let s = 0; s < 8; s++) {
        const l = fit.subScales[s];
        if (s % 2 === 0) dst[o + 4 + (s >> 1)] = l & 0x0f;
        else dst[o + 4 + (s >> 1)] |= (l & 0x0f) << 4;
        scalesH |= (l >> 4) << (2 * s);
      }
      dst[o + 2] = scalesH & 0xff;
      dst[o + 3] = scalesH >> 8;
      packIq4Levels(fit.L, 256, dst, o + 8);
    }
  },
};

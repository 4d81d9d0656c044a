/**
 * IQ4_NL: blocks of 32 values in 18 bytes; 4-bit indices into a fixed non-linear table of 16 levels.
 *
 * ```
 * struct block_iq4_nl {  // 18 bytes
 *   half    d;           // [0, 2)
 *   uint8_t qs[16];      // [2, 18)  byte j: low nibble -> value j, high nibble -> value j + 16
 * };
 * x[j] = d * KVALUES_IQ4NL[q[j]]
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf } from './half.js';
import { fitIq4, newIq4Fit } from './iq4-fit.js';
import { KVALUES_IQ4NL, packIq4Levels } from './iq4-levels.js';

export { KVALUES_IQ4NL };

export const IQ4_NL_BLOCK = 32;
export const IQ4_NL_BYTES = 18;

const fit = newIq4Fit();

export const iq4_nlFormat: QuantFormat = {
  type: GgmlType.IQ4_NL,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    const kv = KVALUES_IQ4NL;
    for (let b = 0, o = 0, y = 0; b < n / IQ4_NL_BLOCK; b++, o += IQ4_NL_BYTES, y += IQ4_NL_BLOCK) {
      const d = readHalf(half, src, o);
      for (let j = 0; j < 16; j++) {
        const q = src[o + 2 + j];
        dst[y + j] = d * kv[q & 0x0f];
        dst[y + j + 16] = d * kv[q >> 4];
      }
    }
  },
  quantize(src, dst, n) {
    for (let b = 0, o = 0, x = 0; b < n / IQ4_NL_BLOCK; b++, o += IQ4_NL_BYTES, x += IQ4_NL_BLOCK) {
      fitIq4(src, x, 32, dst, o, fit);
      packIq4Levels(fit.L, 32, dst, o + 2);
    }
  },
};

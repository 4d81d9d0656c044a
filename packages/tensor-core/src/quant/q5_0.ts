/**
 * Q5_0: blocks of 32 values in 22 bytes.
 *
 * ```
 * struct block_q5_0 {   // 22 bytes
 *   half    d;          // [0, 2)   scale
 *   uint8_t qh[4];      // [2, 6)   little-endian u32: bit j = 5th bit of element j
 *   uint8_t qs[16];     // [6, 22)  byte j: low nibble = element j, high nibble = element j + 16 (low 4 bits)
 * };
 * x[j] = (q[j] - 16) * d
 * ```
 */
import { GgmlType } from '@llamats/gguf-format';
import type { QuantFormat } from './format.js';
import { halfToFloatTable, readHalf, writeHalf } from './half.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)

export const Q5_0_BLOCK = 32;
export const Q5_0_BYTES = 22;

/** The u32 of high bits at `src[o]` (little-endian). */
export function readQh(src: Uint8Array, o: number): number {
  return (src[o] | (src[o + 1] << 8) | (src[o + 2] << 16) | (src[o + 3] << 24)) >>> 0;
}

/** Stores the 32 high bits of 5-bit levels `q[0 .. 32)` and their low nibbles, as Q5_0 and Q5_1 lay them out. */
export function packQ5(q: Uint8Array, dst: Uint8Array, qhAt: number, qsAt: number): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    dst[qsAt + j] = (q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4);
    qh |= ((q[j] >> 4) & 1) << j;
    qh |= ((q[j + 16] >> 4) & 1) << (j + 16);
  }
  dst[qhAt] = qh & 0xff;
  dst[qhAt + 1] = (qh >>> 8) & 0xff;
  dst[qhAt + 2] = (qh >>> 16) & 0xff;
  dst[qhAt + 3] = qh >>> 24;
}

const levels = new Uint8Array(32);

export const q5_0Format: QuantFormat = {
  type: GgmlType.Q5_0,
  dequantize(src, dst, n) {
    const half = halfToFloatTable();
    for (let b = 0, o = 0, y = 0; b < n / Q5_0_BLOCK; b++, o += Q5_0_BYTES, y += Q5_0_BLOCK) {
      const d = readHalf(half, src, o);
      const qh = readQh(src, o + 2);
      for (let j = 0; j < 16; j++) {
        const q = src[o + 6 + j];
        dst[y + j] = ((q & 0x0f) + (((qh >>> j) & 1) << 4) - 16) * d;
        dst[y + j + 16] = ((q >> 4) + (((qh >>> (j + 16)) & 1) << 4) - 16) * d;
      }
    }
  },
  quantize(src, dst, n) {
    // quantize_row_q5_0_ref: as Q4_0 with 32 levels: d = max / -16, levels (int8)(x * id + 16.5) capped at 31.
    for (let b = 0, o = 0, x = 0; b < n / Q5_0_BLOCK; b++, o += Q5_0_BYTES, x += Q5_0_BLOCK) {
      let amax = 0;
      let max = 0;
      for (let j = 0; j < Q5_0_BLOCK; j++) {
        const v = src[x + j];
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      const d = f32(max / -16);
      const id = d ? f32(1 / d) : 0;
      writeHalf(dst, o, d);
      for (let j = 0; j < Q5_0_BLOCK; j++) levels[j] = Math.min(31, Math.trunc(f32(f32(src[x + j] * id) + 16.5)));
      packQ5(levels, dst, o + 2, o + 6);
    }
  },
};

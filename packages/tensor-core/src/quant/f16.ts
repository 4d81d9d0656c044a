/**
 * F16: IEEE binary16, 2 bytes per value, little-endian.
 *
 * Dequantizing writes f32 bit patterns, so it is exact for every half: zeros keep their sign, subnormals
 * become normal f32 values, infinities stay infinite, and NaNs keep their sign and payload with the quiet
 * bit set (what ggml's `GGML_FP16_TO_FP32` gives on F16C / ARM hardware).
 */
import { GgmlType } from '@llamats/gguf-format';
import { f32ToF16, halfToFloatTable } from '../f16.js';
import type { QuantFormat } from './format.js';

let bitsTable: Uint32Array | undefined;

/** The f32 bit pattern of every half bit pattern (256 KiB, built on first use). */
export function halfToF32BitsTable(): Uint32Array {
  if (!bitsTable) {
    bitsTable = new Uint32Array(halfToFloatTable().slice().buffer);
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) {
        bitsTable[h] = (((h & 0x8000) << 16) | 0x7fc00000 | ((h & 0x3ff) << 13)) >>> 0;
      }
    }
  }
  return bitsTable;
}

export const f16Format: QuantFormat = {
  type: GgmlType.F16,
  dequantize(src, dst, n) {
    const table = halfToF32BitsTable();
    const out = new Uint32Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = table[src[2 * i] | (src[2 * i + 1] << 8)];
  },
  quantize(src, dst, n) {
    for (let i = 0; i < n; i++) {
      const h = f32ToF16(src[i]);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >> 8;
    }
  },
};

/**
 * BF16: the top 16 bits of an f32, 2 bytes per value, little-endian. Dequantizing writes the f32 bit
 * pattern `bits << 16`, exact for every value. Quantizing rounds to nearest even and keeps NaNs quiet,
 * as ggml's `ggml_compute_fp32_to_bf16`.
 */
import { GgmlType } from '@llamats/gguf-format';
import { f32ToBf16 } from '../f16.js';
import type { QuantFormat } from './format.js';

export const bf16Format: QuantFormat = {
  type: GgmlType.BF16,
  dequantize(src, dst, n) {
    const out = new Uint32Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = (src[2 * i] << 16) | (src[2 * i + 1] << 24);
  },
  quantize(src, dst, n) {
    for (let i = 0; i < n; i++) {
      const b = f32ToBf16(src[i]);
      dst[2 * i] = b & 0xff;
      dst[2 * i + 1] = b >> 8;
    }
  },
};

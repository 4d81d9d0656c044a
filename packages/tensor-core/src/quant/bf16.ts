// BF16: the top 16 bits of an f32, little-endian.
import { GgmlType } from '@llamats/gguf-format';
import { bf16ToF32, f32ToBf16 } from '../f16.js';
import { type QuantFormat, viewOf } from './format.js';

export const bf16Format: QuantFormat = {
  type: GgmlType.BF16,
  dequantize(src, dst, n) {
    for (let i = 0; i < n; i++) dst[i] = bf16ToF32(src[2 * i] | (src[2 * i + 1] << 8));
  },
  quantize(src, dst, n) {
    const v = viewOf(dst);
    for (let i = 0; i < n; i++) v.setUint16(i * 2, f32ToBf16(src[i]), true);
  },
};

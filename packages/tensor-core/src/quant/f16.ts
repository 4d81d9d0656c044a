// F16: IEEE half, 2 bytes per value, little-endian.
import { GgmlType } from '@llamats/gguf-format';
import { f16ToF32, f32ToF16, halfToFloatTable } from '../f16.js';
import { type QuantFormat, viewOf } from './format.js';

export const f16Format: QuantFormat = {
  type: GgmlType.F16,
  dequantize(src, dst, n) {
    const table = halfToFloatTable();
    for (let i = 0; i < n; i++) dst[i] = table[src[2 * i] | (src[2 * i + 1] << 8)];
  },
  quantize(src, dst, n) {
    const v = viewOf(dst);
    for (let i = 0; i < n; i++) v.setUint16(i * 2, f32ToF16(src[i]), true);
  },
};

export { f16ToF32 };

// F32: plain little-endian float32 values.
import { GgmlType } from '@llamats/gguf-format';
import { type QuantFormat, viewOf } from './format.js';

export const f32Format: QuantFormat = {
  type: GgmlType.F32,
  dequantize(src, dst, n) {
    const v = viewOf(src);
    for (let i = 0; i < n; i++) dst[i] = v.getFloat32(i * 4, true);
  },
  quantize(src, dst, n) {
    const v = viewOf(dst);
    for (let i = 0; i < n; i++) v.setFloat32(i * 4, src[i], true);
  },
};

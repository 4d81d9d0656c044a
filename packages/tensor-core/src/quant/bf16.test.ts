// BF16 as a weight type: every bit pattern decodes to `bits << 16` exactly; encoding rounds to nearest
// even and keeps NaNs NaN (quiet), as ggml's ggml_compute_fp32_to_bf16.
import { GgmlType } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { dequantize, quantize } from './registry.js';

function encodeBits(f32Bits: number[]): number[] {
  const x = new Float32Array(Uint32Array.from(f32Bits).buffer);
  const out = new Uint8Array(x.length * 2);
  quantize(GgmlType.BF16, x, out, x.length);
  return [...new Uint16Array(out.buffer)];
}

describe('BF16 weights', () => {
  it('decodes all 65536 patterns to the f32 with those top 16 bits, NaN payloads included', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, b) => b);
    const y = new Float32Array(65536);
    dequantize(GgmlType.BF16, new Uint8Array(all.buffer), y, 65536);
    const bits = new Uint32Array(y.buffer);
    for (let b = 0; b < 65536; b++) expect(bits[b] >>> 16, `bf16 0x${b.toString(16)}`).toBe(b);
    expect(bits.every((v) => (v & 0xffff) === 0)).toBe(true);
  });

  it('encodes every bf16 value back to the same bits (NaNs as quiet NaNs)', () => {
    const patterns = Array.from({ length: 65536 }, (_, b) => (b << 16) >>> 0);
    const back = encodeBits(patterns);
    for (let b = 0; b < 65536; b++) {
      const nan = (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;
      expect(back[b], `bf16 0x${b.toString(16)}`).toBe(nan ? b | 0x40 : b);
    }
  });

  it('rounds to nearest even', () => {
    expect(encodeBits([0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff])).toEqual([0x3f80, 0x3f82, 0x3f81, 0x3f80]);
    expect(encodeBits([0x7f7fffff])).toEqual([0x7f80]); // the largest f32 rounds up to infinity
  });
});

// F16 as a weight type: all 65536 half bit patterns decode exactly (subnormals, infinities, signed zeros,
// NaNs with sign and payload kept and the quiet bit set), and encoding rounds to nearest even.
import { GgmlType } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { dequantize, quantize } from './registry.js';

/** The f32 value of a half, computed from its fields (independent of the implementation's table). */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

const ALL = Uint16Array.from({ length: 65536 }, (_, h) => h);
const allBytes = new Uint8Array(ALL.buffer);

function encode(values: number[]): number[] {
  const out = new Uint8Array(values.length * 2);
  quantize(GgmlType.F16, Float32Array.from(values), out, values.length);
  return [...new Uint16Array(out.buffer)];
}

describe('F16 weights', () => {
  const decoded = new Float32Array(65536);
  dequantize(GgmlType.F16, allBytes, decoded, 65536);
  const decodedBits = new Uint32Array(decoded.buffer);

  it('decodes every finite half exactly, keeping the sign of zero', () => {
    for (let h = 0; h < 65536; h++) {
      if (((h >> 10) & 0x1f) === 31) continue;
      expect(Object.is(decoded[h], halfValue(h)), `half 0x${h.toString(16)}`).toBe(true);
    }
    expect(Object.is(decoded[0x8000], -0)).toBe(true);
    expect(decoded[0x0001]).toBe(2 ** -24); // smallest subnormal
    expect(decoded[0x03ff]).toBe(1023 * 2 ** -24); // largest subnormal
    expect(decoded[0x7bff]).toBe(65504);
  });

  it('decodes infinities and NaNs (sign and payload kept, quiet bit set)', () => {
    expect(decoded[0x7c00]).toBe(Number.POSITIVE_INFINITY);
    expect(decoded[0xfc00]).toBe(Number.NEGATIVE_INFINITY);
    for (const h of [0x7c01, 0x7d55, 0x7e00, 0x7fff, 0xfc01, 0xfe00]) {
      const expected = (((h & 0x8000) << 16) | 0x7fc00000 | ((h & 0x3ff) << 13)) >>> 0;
      expect(decodedBits[h].toString(16), `half 0x${h.toString(16)}`).toBe(expected.toString(16));
    }
  });

  it('encodes every half value back to the same bits', () => {
    const values: number[] = [];
    const halves: number[] = [];
    for (let h = 0; h < 65536; h++) {
      if (((h >> 10) & 0x1f) === 31 && h & 0x3ff) continue; // NaN: checked below
      values.push(decoded[h]);
      halves.push(h);
    }
    expect(encode(values)).toEqual(halves);
  });

  it('rounds to nearest even, overflows to infinity, underflows through subnormals to zero', () => {
    const up = (h: number) => halfValue(h + 1);
    const mid = (h: number) => (halfValue(h) + up(h)) / 2;
    expect(encode([mid(0x3c00), mid(0x3c01)])).toEqual([0x3c00, 0x3c02]); // ties go to the even mantissa
    expect(encode([Math.fround(mid(0x3c00) * (1 + 2 ** -20))])).toEqual([0x3c01]);
    expect(encode([65504, 65519, 65520, 1e9, -1e9])).toEqual([0x7bff, 0x7bff, 0x7c00, 0x7c00, 0xfc00]);
    expect(encode([2 ** -24, 2 ** -25, 1.5 * 2 ** -25, 3 * 2 ** -25, 2 ** -26])).toEqual([1, 0, 1, 2, 0]);
    expect(encode([-0, 0])).toEqual([0x8000, 0]);
    const [nan] = encode([Number.NaN]);
    expect((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0).toBe(true);
  });
});

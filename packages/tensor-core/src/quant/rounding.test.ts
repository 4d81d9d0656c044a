import { describe, expect, it } from 'vitest';
import { nearestInt, roundAway } from './rounding.js';

describe('ggml rounding helpers', () => {
  it('nearestInt rounds half to even, like the float magic-number trick', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [3.5, 4],
      [-0.5, 0],
      [-1.5, -2],
      [-2.5, -2],
      [Math.fround(0.49999997), 0],
      [Math.fround(2.5000002), 3],
      [-7.4, -7],
      [4194302.5, 4194302],
      [4194303.5, 4194304],
    ];
    for (const [x, want] of cases) expect(nearestInt(x), String(x)).toBe(want);
    expect(Object.is(nearestInt(-0.25), 0)).toBe(true);
  });

  it('nearestInt reproduces the bit trick outside its range (NaN -> 0, infinity -> -2^22)', () => {
    expect(nearestInt(Number.NaN)).toBe(0);
    expect(nearestInt(Number.POSITIVE_INFINITY)).toBe(-4194304);
    expect(nearestInt(Number.NEGATIVE_INFINITY)).toBe(-4194304);
  });

  it('roundAway rounds half away from zero, like C roundf', () => {
    const cases: [number, number][] = [
      [0.5, 1],
      [-0.5, -1],
      [2.5, 3],
      [-2.5, -3],
      [Math.fround(0.49999997), 0],
      [-126.5, -127],
      [126.49, 126],
    ];
    for (const [x, want] of cases) expect(roundAway(x), String(x)).toBe(want);
  });
});

import { describe, expect, it } from 'vitest';
import { accepts, automaton } from '../../test/grammar-utils.js';
import { integerRange } from './integer-range.js';

describe('integerRange', () => {
  const cases: [number | undefined, number | undefined][] = [
    [0, 9],
    [1, 12],
    [0, 120],
    [5, 5],
    [-5, 5],
    [-130, -7],
    [17, 1234],
    [100, 999],
    [99, 100],
    [0, undefined],
    [42, undefined],
    [undefined, 17],
    [undefined, -3],
    [-1000, 1000],
  ];
  it.each(cases)('[%s, %s] accepts exactly the integers in range', (min, max) => {
    const a = automaton(`root ::= ${integerRange(min, max)}`);
    for (let n = -1500; n <= 1500; n++) {
      const inRange = (min === undefined || n >= min) && (max === undefined || n <= max);
      if (accepts(a, String(n)) !== inRange) throw new Error(`${n}: expected ${inRange} for [${min}, ${max}]`);
    }
    // No leading zeros, no "-0".
    expect(accepts(a, '007')).toBe(false);
    expect(accepts(a, '-0')).toBe(false);
  });

  it('an empty range matches nothing', () => {
    const a = automaton(`root ::= ${integerRange(5, 4)}`);
    expect(accepts(a, '5')).toBe(false);
    expect(accepts(a, '4')).toBe(false);
  });

  it('unbounded ranges allow up to 16 digits', () => {
    const a = automaton(`root ::= ${integerRange(0, undefined)}`);
    expect(accepts(a, '1234567890123456')).toBe(true);
    expect(accepts(a, '12345678901234567')).toBe(false);
  });
});

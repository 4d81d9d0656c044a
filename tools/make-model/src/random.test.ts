import { describe, expect, it } from 'vitest';
import { hashString, Rng } from './random.js';

describe('Rng', () => {
  it('repeats a sequence for a seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('draws normal samples with the asked mean and deviation', () => {
    const v = new Rng(1).fillNormal(new Float32Array(200_000), 0.02, 0.5);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    expect(mean).toBeCloseTo(0.5, 3);
    expect(sd).toBeGreaterThan(0.0198);
    expect(sd).toBeLessThan(0.0202);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it('keeps below() in range', () => {
    const r = new Rng(3);
    for (let i = 0; i < 1000; i++) {
      const x = r.below(5);
      expect(x >= 0 && x < 5 && Number.isInteger(x)).toBe(true);
    }
  });

  it('hashes names to different seeds', () => {
    expect(hashString('blk.0.attn_q.weight')).not.toBe(hashString('blk.1.attn_q.weight'));
    expect(hashString('x', 1)).not.toBe(hashString('x', 2));
  });
});

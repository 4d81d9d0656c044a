/**
 * Each stage on hand-made distributions with exact expected results. The cases and numbers are those of
 * llama.cpp's tests/test-sampling.cpp (probabilities in, probabilities after the stage and a dist draw out),
 * compared by token id.
 */
import { describe, expect, it } from 'vitest';
import { expectProbs, fromProbs, probsAfter, probsById } from '../../test/helpers.js';
import { Mt19937 } from '../rng.js';
import { DryStage } from './dry.js';
import { LogitBiasStage } from './logit-bias.js';
import { MinPStage } from './min-p.js';
import { MirostatV1, MirostatV2 } from './mirostat.js';
import { PenaltiesStage } from './penalties.js';
import { selectDist, selectGreedy } from './select.js';
import { TemperatureStage } from './temperature.js';
import { TopKStage } from './top-k.js';
import { TopNSigmaStage } from './top-n-sigma.js';
import { TopPStage } from './top-p.js';
import { TypicalStage } from './typical.js';
import { XtcStage } from './xtc.js';

const P4 = [0.1, 0.2, 0.3, 0.4];

describe('temperature', () => {
  it('1 leaves the distribution, 0 keeps only the maximum', () => {
    expectProbs(probsAfter(P4, new TemperatureStage(1)), { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 });
    expectProbs(probsAfter(P4, new TemperatureStage(0)), { 0: 0, 1: 0, 2: 0, 3: 1 });
    expectProbs(probsAfter(P4, new TemperatureStage(1, 0, 1)), { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 });
  });
  it('0.5 squares the probabilities (renormalised)', () => {
    const z = 0.01 + 0.04 + 0.09 + 0.16;
    expectProbs(probsAfter(P4, new TemperatureStage(0.5)), { 0: 0.01 / z, 1: 0.04 / z, 2: 0.09 / z, 3: 0.16 / z });
  });
  it('dynamic temperature maps normalised entropy into [temp - range, temp + range]', () => {
    // Uniform distribution: entropy is maximal, so the temperature is temp + range and stays uniform.
    expectProbs(probsAfter([0.25, 0.25, 0.25, 0.25], new TemperatureStage(1, 0.5, 1)), {
      0: 0.25,
      1: 0.25,
      2: 0.25,
      3: 0.25,
    });
    // Skewed: T = 0.5 + 1.0 * H/Hmax; check against the formula.
    const h = -P4.reduce((s, p) => s + p * Math.log(p), 0) / Math.log(4);
    const t = 0.5 + 1.0 * h;
    const w = P4.map((p) => p ** (1 / t));
    const z = w.reduce((a, b) => a + b, 0);
    expectProbs(probsAfter(P4, new TemperatureStage(1, 0.5, 1)), {
      0: w[0] / z,
      1: w[1] / z,
      2: w[2] / z,
      3: w[3] / z,
    });
  });
});

describe('top-k', () => {
  it('keeps the k most likely', () => {
    expectProbs(probsAfter(P4, new TopKStage(1)), { 3: 1 });
    expectProbs(probsAfter(P4, new TopKStage(3)), { 3: 0.44444, 2: 0.33333, 1: 0.22222 });
    expectProbs(probsAfter(P4, new TopKStage(4)), { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 });
    expectProbs(probsAfter(P4, new TopKStage(0)), { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 });
  });
  it('returns them sorted without sorting the whole vocabulary', () => {
    const c = fromProbs(Array.from({ length: 5000 }, (_, i) => (i + 1) / 12502500));
    new TopKStage(40).apply(c);
    expect(c.size).toBe(40);
    expect(c.sorted).toBe(true);
    expect(Array.from(c.ids.subarray(0, 40))).toEqual(Array.from({ length: 40 }, (_, i) => 4999 - i));
  });
});

describe('top-p', () => {
  it('keeps the nucleus', () => {
    expectProbs(probsAfter(P4, new TopPStage(0, 0)), { 3: 1 });
    expectProbs(probsAfter(P4, new TopPStage(0.7, 0)), { 3: 0.571429, 2: 0.428571 });
    expectProbs(probsAfter(P4, new TopPStage(0.8, 0)), { 3: 0.44444, 2: 0.33333, 1: 0.22222 });
    expectProbs(probsAfter(P4, new TopPStage(1, 0)), { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 });
  });
});

describe('min-p', () => {
  it.each([
    [0.0, { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 }],
    [0.24, { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 }],
    [0.26, { 1: 0.2 / 0.9, 2: 0.3 / 0.9, 3: 0.4 / 0.9 }],
    [0.49, { 1: 0.2 / 0.9, 2: 0.3 / 0.9, 3: 0.4 / 0.9 }],
    [0.51, { 2: 0.3 / 0.7, 3: 0.4 / 0.7 }],
    [0.74, { 2: 0.3 / 0.7, 3: 0.4 / 0.7 }],
    [0.76, { 3: 1 }],
    [1.0, { 3: 1 }],
    [1.05, { 3: 1 }],
  ])('p = %f', (p, expected) => {
    expectProbs(probsAfter(P4, new MinPStage(p, 0)), expected);
  });
});

describe('XTC', () => {
  const xtc = (t: number) => new XtcStage(0.99, t, 0, new Mt19937(0));
  const after = (t: number) => {
    const c = fromProbs([0.4, 0.3, 0.2, 0.1]);
    xtc(t).apply(c);
    return probsById(c);
  };
  it('removes the top choices above the threshold but the last', () => {
    expectProbs(after(0.09), { 3: 0.1 });
    expectProbs(after(0.19), { 2: 0.2, 3: 0.1 });
    expectProbs(after(0.29), { 1: 0.3, 2: 0.2, 3: 0.1 });
  });
  it('keeps everything when only one token passes the threshold', () => {
    expect(after(0.39).size).toBe(4);
  });
});

describe('typical', () => {
  const after = (probs: number[], p: number) => {
    const c = fromProbs(probs);
    new TypicalStage(p, 0).apply(c);
    return probsById(c);
  };
  it('keeps the locally typical tokens', () => {
    expectProbs(after([0.97, 0.01, 0.01, 0.01], 0.5), { 0: 0.97 });
    expectProbs(after([0.4, 0.2, 0.2, 0.2], 0.5), { 1: 0.2, 2: 0.2, 3: 0.2 });
  });
});

describe('penalties', () => {
  const P5 = [0.2, 0.2, 0.2, 0.2, 0.2];
  const after = (history: number[], repeat: number, freq: number, presence: number) => {
    const s = new PenaltiesStage(history.length, repeat, freq, presence);
    for (const t of history) s.accept(t);
    return probsAfter(P5, s);
  };
  it('repetition penalty', () => {
    expectProbs(after([0], 50, 0, 0), { 0: 0, 1: 0.25, 2: 0.25, 3: 0.25, 4: 0.25 });
    expectProbs(after([0, 1, 2], 50, 0, 0), { 0: 0, 1: 0, 2: 0, 3: 0.5, 4: 0.5 });
    expectProbs(after([0, 1, 2, 0, 0], 50, 0, 0), { 0: 0, 1: 0, 2: 0, 3: 0.5, 4: 0.5 });
  });
  it('frequency and presence penalties', () => {
    expectProbs(after([0], 1, 5, 5), { 0: 0.000011, 1: 0.249997, 2: 0.249997, 3: 0.249997, 4: 0.249997 });
    expectProbs(after([0, 1, 2], 1, 5, 5), { 0: 0.000023, 1: 0.000023, 2: 0.000023, 3: 0.499966, 4: 0.499966 });
    expectProbs(after([0, 1, 2, 0, 0], 1, 5, 5), { 0: 0, 1: 0.000023, 2: 0.000023, 3: 0.499977, 4: 0.499977 });
  });
  it('forgets tokens older than lastN', () => {
    const s = new PenaltiesStage(2, 50, 0, 0);
    for (const t of [0, 1, 2]) s.accept(t);
    expectProbs(probsAfter([0.25, 0.25, 0.25, 0.25], s), { 0: 0.5, 1: 0, 2: 0, 3: 0.5 });
    s.reset();
    expectProbs(probsAfter([0.5, 0.5], s), { 0: 0.5, 1: 0.5 });
  });
});

describe('DRY', () => {
  const after = (
    probs: number[],
    history: number[],
    multiplier: number,
    base: number,
    allowed: number,
    lastN: number,
    breakers: number[][],
  ) => {
    const map = new Map<number, number[][]>();
    for (const b of breakers) map.set(b[0], [...(map.get(b[0]) ?? []), b.slice(1)]);
    const s = new DryStage(multiplier, base, allowed, lastN, 1024, map);
    for (const t of history) s.accept(t);
    return probsAfter(probs, s);
  };
  const Q = [0.25, 0.25, 0.25, 0.25];
  const F = [0.2, 0.2, 0.2, 0.2, 0.2];
  it('penalises the token that would extend a repetition', () => {
    expectProbs(after(Q, [0, 1], 1, 1.1, 2, 4, []), { 0: 0.25, 1: 0.25, 2: 0.25, 3: 0.25 });
    expectProbs(after(Q, [0, 1, 2, 0, 1], 1, 1.1, 2, 5, []), { 0: 0.296923, 1: 0.296923, 2: 0.109232, 3: 0.296923 });
    expectProbs(after(F, [0, 1, 2, 0, 1], 2, 1.1, 2, 5, []), {
      0: 0.241818,
      1: 0.241818,
      2: 0.032727,
      3: 0.241818,
      4: 0.241818,
    });
  });
  it('respects sequence breakers and the allowed length', () => {
    expectProbs(after(F, [0, 1, 3, 4, 0, 1], 1, 1.1, 2, 6, [[3]]), { 0: 0.2, 1: 0.2, 2: 0.2, 3: 0.2, 4: 0.2 });
    expectProbs(after(F, [0, 1, 2, 3, 4, 0, 1], 1, 1.1, 4, 7, []), { 0: 0.2, 1: 0.2, 2: 0.2, 3: 0.2, 4: 0.2 });
  });
});

describe('top-nσ', () => {
  it('masks logits more than n standard deviations below the maximum', () => {
    expectProbs(probsAfter(P4, new TopNSigmaStage(1)), { 0: 0, 1: 0, 2: 0.428571, 3: 0.571429 });
    expectProbs(probsAfter(P4, new TopNSigmaStage(0)), { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 });
    expectProbs(probsAfter(P4, new TopNSigmaStage(3)), { 0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4 });
  });
});

describe('logit bias', () => {
  it('adds to chosen logits; -Infinity bans', () => {
    expectProbs(probsAfter([0.5, 0.5], new LogitBiasStage(new Map([[1, Math.log(3)]]))), { 0: 0.25, 1: 0.75 });
    expectProbs(probsAfter(P4, new LogitBiasStage(new Map([[3, Number.NEGATIVE_INFINITY]]))), {
      0: 1 / 6,
      1: 2 / 6,
      2: 3 / 6,
      3: 0,
    });
  });
});

describe('selection', () => {
  it('greedy picks the first maximum', () => {
    const c = fromProbs([0.1, 0.4, 0.4, 0.1]);
    selectGreedy(c);
    expect(c.selected).toBe(1);
  });
  it('dist draws in proportion to the probabilities', () => {
    const rng = new Mt19937(123);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) {
      const c = fromProbs(P4);
      selectDist(c, rng);
      counts[c.ids[c.selected]]++;
    }
    for (const [i, n] of counts.entries()) expect(Math.abs(n / 20000 - P4[i])).toBeLessThan(0.015);
  });
  it('mirostat 2 truncates by surprise and adapts mu', () => {
    const rng = new Mt19937(1);
    const m = new MirostatV2(1, 0.1, rng); // mu = 2 bits: keeps tokens with p >= 0.25
    const c = fromProbs([0.5, 0.3, 0.15, 0.05]);
    m.select(c);
    expect(c.size).toBe(2);
    expect([0, 1]).toContain(c.ids[c.selected]);
  });
  it('mirostat 1 keeps at least one token and draws from the top', () => {
    const m = new MirostatV1(4, 5, 0.1, 100, new Mt19937(1));
    const c = fromProbs([0.7, 0.2, 0.05, 0.05]);
    m.select(c);
    expect(c.size).toBeGreaterThanOrEqual(1);
    expect(c.selected).toBeGreaterThanOrEqual(0);
  });
});

/** llama.cpp's sampler-queue test: logits ln(id) over 10000 tokens through k/p/m in various orders. */
describe('sampler queue (10000 tokens, p ∝ id)', () => {
  const nVocab = 10000;
  const run = (seq: string, topK: number, topP: number, minP: number) => {
    const c = fromProbs(Array.from({ length: nVocab }, (_, i) => i / ((nVocab * (nVocab - 1)) / 2)));
    let minTokenId = 0;
    const maxTokenId = nVocab - 1;
    for (const s of seq) {
      if (s === 'k') new TopKStage(topK).apply(c);
      else if (s === 'p') new TopPStage(topP, 1).apply(c);
      else new MinPStage(minP, 1).apply(c);
      selectDist(c, new Mt19937(0));
      const size = c.size;
      if (s === 'k') {
        const expected = Math.min(size, topK);
        minTokenId = Math.max(minTokenId, nVocab - topK);
        expect(size).toBe(expected);
        expect(c.ids[0]).toBe(maxTokenId);
        expect(c.ids[expected - 1]).toBe(minTokenId);
      } else if (s === 'p') {
        const divisor = (nVocab * (nVocab - 1)) / 2 - (minTokenId * (minTokenId - 1)) / 2;
        const target = Math.ceil(Math.fround(topP * divisor));
        minTokenId = nVocab;
        let expected = 0;
        let cum = 0;
        do {
          minTokenId--;
          expected++;
          cum += minTokenId;
        } while (cum < target);
        if (minTokenId === 1) {
          minTokenId--;
          expected++;
        }
        expect(size).toBe(expected);
        if (c.sorted) {
          expect(c.ids[0]).toBe(maxTokenId);
          expect(c.ids[expected - 1]).toBe(minTokenId);
        }
      } else {
        let expected = Math.ceil(Math.fround((1 - minP) * nVocab));
        expected = Math.min(Math.max(expected, 1), size);
        minTokenId = Math.floor(Math.fround(minP * nVocab));
        minTokenId = Math.min(Math.max(minTokenId, 1, nVocab - size), nVocab - 1);
        expect(size).toBe(expected);
        if (c.sorted) {
          expect(c.ids[0]).toBe(maxTokenId);
          expect(c.ids[expected - 1]).toBe(minTokenId);
        }
      }
    }
  };
  it.each([
    ['k', 10000, 1, 1],
    ['k', 1, 1, 1],
    ['p', 10000, 1, 1],
    ['p', 10000, 0, 1],
    ['m', 10000, 1, 1],
    ['m', 10000, 1, 1e-12],
    ['k', 100, 1, 1],
    ['p', 10000, 0.0003, 1],
    ['p', 10000, 0.8, 1],
    ['m', 10000, 1, 9997.9 / 9999],
    ['m', 10000, 1, 0.1],
    ['kp', 100, 0.8, 0.1],
    ['km', 100, 0.8, 0.1],
    ['pk', 100, 0.8, 0.1],
    ['pm', 100, 0.8, 0.1],
    ['mk', 100, 0.8, 0.1],
    ['mp', 100, 0.8, 9997.9 / 9999],
    ['mp', 100, 0.8, 0.1],
    ['kpm', 100, 0.8, 0.1],
    ['kmp', 100, 0.8, 0.1],
    ['pkm', 100, 0.8, 0.1],
    ['pmk', 100, 0.8, 0.1],
    ['mkp', 100, 0.8, 0.1],
    ['mpk', 100, 0.8, 0.1],
  ])('%s top_k=%i top_p=%f min_p=%f', (seq, k, p, m) => run(seq, k, p, m));
});

import { describe, expect, it } from 'vitest';
import { GrammarError, SamplerOptionError } from './errors.js';
import { Grammar } from './grammar/grammar.js';
import { DEFAULT_SAMPLER_ORDER, parseSamplerNames } from './options.js';
import { Mt19937 } from './rng.js';
import { createSampler } from './sampler.js';
import { dryBreakersFromStrings } from './stages/dry.js';

/** Deterministic pseudo-random logits ([n]) for step `step`. */
function logitsFor(n: number, step: number): Float32Array {
  const r = new Mt19937(1000 + step);
  return Float32Array.from({ length: n }, () => 8 * r.nextFloat());
}

function generate(options: Parameters<typeof createSampler>[0], steps: number, n = 1000): number[] {
  const s = createSampler(options);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = s.sample(logitsFor(n, i));
    s.accept(t);
    out.push(t);
  }
  return out;
}

describe('determinism', () => {
  it('MT19937 matches the C++ standard and libstdc++ draws', () => {
    const r = new Mt19937(5489);
    let x = 0;
    for (let i = 0; i < 10000; i++) x = r.nextUint32();
    expect(x).toBe(4123659995); // [rand.predef]: the 10000th output of default-seeded mt19937
    // std::uniform_real_distribution<double>(0, 1) on a default-seeded mt19937 first yields 0.135477...
    expect(new Mt19937(5489).nextDouble()).toBeCloseTo(0.1354770045, 9);
  });

  it('the same seed and logits give the same tokens; another seed does not', () => {
    const a = generate({ seed: 42 }, 50);
    expect(generate({ seed: 42 }, 50)).toEqual(a);
    expect(generate({ seed: 43 }, 50)).not.toEqual(a);
  });

  it('reset() replays the same sequence', () => {
    const s = createSampler({ seed: 7, repeatPenalty: 1.3 });
    const run = () =>
      Array.from({ length: 20 }, (_, i) => {
        const t = s.sample(logitsFor(500, i));
        s.accept(t);
        return t;
      });
    const first = run();
    s.reset();
    expect(run()).toEqual(first);
  });

  it('without a seed, a random one is drawn and reported', () => {
    const s = createSampler();
    expect(Number.isInteger(s.seed)).toBe(true);
    expect(generate({ seed: s.seed }, 10)).toEqual(generate({ seed: s.seed }, 10));
  });
});

describe('chain', () => {
  it('temperature <= 0 is greedy', () => {
    for (const temperature of [0, -1]) {
      const s = createSampler({ temperature, seed: 1 });
      for (let i = 0; i < 10; i++) {
        const l = logitsFor(300, i);
        const argmax = l.indexOf(Math.max(...l));
        expect(s.sample(l)).toBe(argmax);
      }
    }
  });

  it('top-k 1 is greedy whatever the temperature', () => {
    const s = createSampler({ topK: 1, temperature: 5, seed: 3 });
    const l = logitsFor(2000, 0);
    expect(s.sample(l)).toBe(l.indexOf(Math.max(...l)));
  });

  it('samples only among the top-k', () => {
    const s = createSampler({ topK: 5, topP: 1, minP: 0, temperature: 1, seed: 9 });
    const l = logitsFor(1000, 1);
    const top5 = [...l.keys()].sort((a, b) => l[b] - l[a]).slice(0, 5);
    for (let i = 0; i < 200; i++) expect(top5).toContain(s.sample(l));
  });

  it('repetition penalty steers away from accepted tokens', () => {
    const l = new Float32Array([5, 4.9, 0, 0]);
    const s = createSampler({ temperature: 0, repeatPenalty: 2, penaltyLastN: 8 });
    expect(s.sample(l)).toBe(0);
    s.accept(0);
    expect(s.sample(l)).toBe(1);
    s.reset();
    s.acceptPrompt([1]);
    expect(s.sample(l)).toBe(0);
  });

  it('logit bias and ignoreEos', () => {
    const l = new Float32Array([5, 1, 1]);
    expect(createSampler({ temperature: 0, logitBias: { 2: 10 } }).sample(l)).toBe(2);
    expect(createSampler({ temperature: 0, logitBias: [[0, Number.NEGATIVE_INFINITY]] }).sample(l)).toBe(1);
    const vocab = { pieces: ['</s>', 'a', 'b'], eog: [0] };
    expect(createSampler({ temperature: 0, ignoreEos: true, vocab }).sample(l)).toBe(1);
  });

  it('follows a custom order given as names, a string or llama.cpp letters', () => {
    expect(parseSamplerNames('kt')).toEqual(['top_k', 'temperature']);
    expect(parseSamplerNames('top_k;min_p;temperature')).toEqual(['top_k', 'min_p', 'temperature']);
    expect(parseSamplerNames(['top-p', 'temp'])).toEqual(['top_p', 'temperature']);
    expect(createSampler({ samplers: 'kt', seed: 1 }).options.samplers).toEqual(['top_k', 'temperature']);
    expect(createSampler({ seed: 1 }).options.samplers).toEqual([...DEFAULT_SAMPLER_ORDER]);
  });

  it('mirostat 1 and 2 produce deterministic samples', () => {
    for (const mirostat of [1, 2] as const) {
      const a = generate({ seed: 5, mirostat }, 30);
      expect(generate({ seed: 5, mirostat }, 30)).toEqual(a);
      expect(new Set(a).size).toBeGreaterThan(1);
    }
  });

  it('DRY penalises extending a repeated sequence', () => {
    // History a b c a b: "c" would repeat "a b c".
    const l = new Float32Array([1, 1, 1.2, 1]);
    const s = createSampler({ temperature: 0, dryMultiplier: 2, dryAllowedLength: 2, drySequenceBreakerTokens: [[3]] });
    expect(s.sample(l)).toBe(2);
    for (const t of [0, 1, 2, 0, 1]) s.accept(t);
    expect(s.sample(l)).not.toBe(2);
  });

  it('DRY sequence breakers from strings use the vocabulary', () => {
    const pieces = ['a', '\n', 'x\n', 'b:', ':', 'c'];
    const tokenize = (text: string) => (text === ':' ? [4] : []);
    const b = dryBreakersFromStrings(['\n', ': '], pieces, tokenize);
    expect(b.get(1)).toEqual([[]]);
    expect(b.get(2)).toEqual([[]]);
    expect(b.has(0)).toBe(false);
  });
});

describe('log-probabilities', () => {
  it('come from the unmodified logits, whatever the chain does', () => {
    const l = new Float32Array([2, 1, 0, -1]);
    const z = Math.log(Math.exp(2) + Math.exp(1) + 1 + Math.exp(-1));
    const s = createSampler({ temperature: 0.1, topK: 2, seed: 1 });
    const r = s.sampleDetailed(l, { topLogprobs: 3 });
    expect([0, 1]).toContain(r.token);
    expect(r.logprob).toBeCloseTo(l[r.token] - z, 6);
    expect(r.topLogprobs.map((t) => t.token)).toEqual([0, 1, 2]);
    expect(r.topLogprobs[0].logprob).toBeCloseTo(2 - z, 6);
    expect(r.topLogprobs[2].logprob).toBeCloseTo(0 - z, 6);
  });
});

describe('option validation', () => {
  it.each([
    [{ topP: 1.5 }, 'topP'],
    [{ topP: -0.1 }, 'topP'],
    [{ minP: 2 }, 'minP'],
    [{ topK: -1 }, 'topK'],
    [{ topK: 1.5 }, 'topK'],
    [{ penaltyLastN: -2 }, 'penaltyLastN'],
    [{ temperature: Number.NaN }, 'temperature'],
    [{ repeatPenalty: 0 }, 'repeatPenalty'],
    [{ typicalP: 3 }, 'typicalP'],
    [{ xtcProbability: 2 }, 'xtcProbability'],
    [{ dryBase: 0.5 }, 'dryBase'],
    [{ dryPenaltyLastN: -5 }, 'dryPenaltyLastN'],
    [{ seed: -1 }, 'seed'],
    [{ seed: 2 ** 32 }, 'seed'],
    [{ mirostat: 3 }, 'mirostat'],
    [{ mirostatTau: 0 }, 'mirostatTau'],
    [{ samplers: ['top_k', 'nope'] }, 'samplers'],
    [{ logitBias: { 5: 1 }, vocab: { pieces: ['a', 'b'], eog: [] } }, 'logitBias[5]'],
    [{ logitBias: { 0: Number.POSITIVE_INFINITY } }, 'logitBias[0]'],
    [{ grammar: 'root ::= "a"' }, 'vocab'],
    [{ contextSize: 0 }, 'contextSize'],
  ] as [object, string][])('%j → %s', (options, name) => {
    let error: unknown;
    try {
      createSampler(options as Parameters<typeof createSampler>[0]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SamplerOptionError);
    expect((error as SamplerOptionError).option).toBe(name);
    expect((error as Error).message).toContain(name);
  });

  it('accepts a negative temperature (greedy, as llama.cpp) and checks logits length against the vocabulary', () => {
    expect(() => createSampler({ temperature: -0.5 })).not.toThrow();
    const s = createSampler({ vocab: { pieces: ['a', 'b'], eog: [] } });
    expect(() => s.sample(new Float32Array(3))).toThrow(SamplerOptionError);
  });
});

describe('grammar-constrained sampling', () => {
  const pieces = ['', 'yes', 'no', 'maybe', 'y', 'es', 'n', 'o'];
  const vocab = { pieces, eog: [0] };

  it('never emits a token the grammar rejects, even when the model prefers it', () => {
    for (const grammarFirst of [false, true]) {
      const s = createSampler({ vocab, grammar: 'root ::= "yes" | "no"', seed: 1, grammarFirst });
      const l = new Float32Array([0, 0, 0, 10, 0, 0, 0, 0]); // "maybe" is by far the most likely
      const out: string[] = [];
      for (let i = 0; i < 5; i++) {
        const t = s.sample(l);
        s.accept(t);
        if (t === 0) break;
        out.push(pieces[t]);
      }
      expect(['yes', 'no']).toContain(out.join(''));
    }
  });

  it('takes the model’s choice without masking when the grammar allows it', () => {
    const g = Grammar.fromGbnf('root ::= [a-z]+');
    const s = createSampler({ vocab, grammar: g, temperature: 0 });
    expect(s.sample(new Float32Array([0, 9, 0, 0, 0, 0, 0, 0]))).toBe(1);
    expect(s.grammar?.walks).toBe(0);
  });

  it('reports a grammar that no token can continue', () => {
    const s = createSampler({ vocab, grammar: 'root ::= "z"', temperature: 0 });
    expect(() => s.sample(new Float32Array(8))).toThrow(GrammarError);
  });

  it('reset() restarts the grammar', () => {
    const s = createSampler({ vocab, grammar: 'root ::= "yes"', temperature: 0 });
    s.accept(1);
    expect(s.grammar?.isComplete()).toBe(true);
    s.reset();
    expect(s.grammar?.isComplete()).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { benchPrompt } from '../src/prompt.js';

describe('benchPrompt', () => {
  const vocab = ['<unk>', '<s>', '</s>', '▁the', '▁Cat', 'ing', '▁river', '▁a', '▁house', '▁x1y'];

  it('starts with BOS and uses only whole lowercase words', () => {
    const p = benchPrompt(vocab, 1, 12);
    expect(p.tokens).toHaveLength(12);
    expect(p.tokens[0]).toBe(1);
    expect(p.words).toHaveLength(11);
    for (let i = 1; i < 12; i++) {
      expect([3, 6, 8]).toContain(p.tokens[i]);
      expect(vocab[p.tokens[i]]).toBe(`▁${p.words[i - 1]}`);
    }
  });

  it('is deterministic', () => {
    expect(benchPrompt(vocab, 1, 20)).toEqual(benchPrompt(vocab, 1, 20));
  });

  it('says so when the vocabulary has no whole words', () => {
    expect(() => benchPrompt(['<unk>', 'a', 'b'], 1, 4)).toThrow(/whole-word/);
  });
});

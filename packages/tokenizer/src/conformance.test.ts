/**
 * Token-for-token agreement with llama.cpp: its own test vectors (fixtures/vocab), the tokenizer goldens,
 * the prompts of every model golden, and the random cases llama.cpp tokenized and detokenized for
 * test/llama-cpp-cases.json. Every suite prints `passed/total` per vocabulary.
 */
import { readFileSync } from 'node:fs';
import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, listFixtures, readFixtureJson, readModelGolden } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from './index.js';

const loaded = new Map<string, Promise<Tokenizer>>();
function load(rel: string): Promise<Tokenizer> {
  let t = loaded.get(rel);
  if (!t) {
    t = openGgufFile(fixturePath(rel)!).then(async (g) => {
      try {
        return Tokenizer.fromGguf(g, { onWarning: () => {} });
      } finally {
        await g.close();
      }
    });
    loaded.set(rel, t);
  }
  return t;
}

const ids = (a: readonly number[]) => a.join(' ');

/** llama.cpp's test-tokenizer-0 vectors: cases separated by `__ggml_vocab_test__` lines, ids without BOS. */
function readVectors(name: string): { text: string; ids: number[] }[] {
  const inp = readFileSync(fixturePath(`vocab/${name}.inp`)!, 'utf8').split('\n__ggml_vocab_test__\n');
  const out = readFileSync(fixturePath(`vocab/${name}.out`)!, 'utf8').split('\n');
  if (inp[inp.length - 1] === '') inp.pop(); // the file ends with a separator
  return inp.map((text, i) => ({ text, ids: out[i].trim() === '' ? [] : out[i].trim().split(/\s+/).map(Number) }));
}

describe('llama.cpp test vectors (fixtures/vocab)', () => {
  for (const file of listFixtures('vocab', '.gguf')) {
    it.skipIf(!fixturePath(`vocab/${file}.inp`))(`${file}: every case identical`, async () => {
      const tok = await load(`vocab/${file}`);
      const vectors = readVectors(file);
      const failures = vectors
        .map((c) => ({ c, got: tok.encode(c.text, { addSpecial: false, parseSpecial: false }) }))
        .filter(({ c, got }) => ids(got) !== ids(c.ids))
        .map(({ c, got }) => `${JSON.stringify(c.text)}: got ${ids(got)}, llama.cpp ${ids(c.ids)}`);
      console.log(`${file}: ${vectors.length - failures.length}/${vectors.length} identical`);
      expect(failures).toEqual([]);
    });
  }
});

// The file's header says parse_special=false, but llama-tokenize parses special tokens unless given
// --no-parse-special, and the expected ids show it (`<s>` became BOS): these cases parse special text.
describe('golden/tokenizer.json (the prompt texts under each vocabulary)', () => {
  const golden = readFixtureJson<{ cases: { vocab: string; text: string; tokens: number[] }[] }>(
    'golden/tokenizer.json',
  );
  const byVocab = new Map<string, typeof golden.cases>();
  for (const c of golden.cases) byVocab.set(c.vocab, [...(byVocab.get(c.vocab) ?? []), c]);
  for (const [vocab, list] of byVocab) {
    it.skipIf(!fixturePath(`vocab/${vocab}`))(`${vocab}: every text identical`, async () => {
      const tok = await load(`vocab/${vocab}`);
      const passed = list.filter(
        (c) => ids(tok.encode(c.text, { addSpecial: true, parseSpecial: true })) === ids(c.tokens),
      );
      console.log(`golden/tokenizer.json ${vocab}: ${passed.length}/${list.length} identical`);
      for (const c of list)
        expect(tok.encode(c.text, { addSpecial: true, parseSpecial: true }), c.text).toEqual(c.tokens);
    });
  }
});

describe('model goldens: the tokens of every prompt', () => {
  for (const file of listFixtures('models', '.gguf')) {
    it(`${file}: every prompt identical; streaming decode equals whole decode`, async () => {
      const tok = await load(`models/${file}`);
      const golden = readModelGolden(file);
      let passed = 0;
      const prompts = Object.entries(golden.prompts);
      for (const [name, p] of prompts) {
        const got = tok.encode(p.text, { addSpecial: p.add_special, parseSpecial: p.parse_special });
        expect(got, name).toEqual(p.tokens);
        passed++;
        for (const options of [{}, { skipSpecial: false }, { stripLeadingSpace: false }, { stripLeadingSpace: true }]) {
          const d = tok.createStreamDecoder(options);
          const streamed = p.tokens.map((id) => d.push(id)).join('') + d.flush();
          expect(streamed, `${name} ${JSON.stringify(options)}`).toBe(tok.decode(p.tokens, options));
        }
      }
      console.log(`${file}: ${passed}/${prompts.length} prompts identical`);
    });
  }
});

type CaseFile = {
  vocabs: Record<
    string,
    {
      fixture: string;
      info: string;
      encode: [string, boolean, boolean, number[]][];
      detokenize: [number[], boolean, boolean, string][];
    }
  >;
};

describe('random texts and token sequences, tokenized and detokenized by llama.cpp (test/llama-cpp-cases.json)', () => {
  const cases = JSON.parse(readFileSync(new URL('../test/llama-cpp-cases.json', import.meta.url), 'utf8')) as CaseFile;
  for (const [name, v] of Object.entries(cases.vocabs)) {
    it.skipIf(!fixturePath(v.fixture))(`${name}: encode, detokenize and special ids identical`, async () => {
      const tok = await load(v.fixture);
      const encodeFailures = v.encode
        .map(([text, addSpecial, parseSpecial, want]) => ({
          text,
          want,
          got: tok.encode(text, { addSpecial, parseSpecial }),
        }))
        .filter(({ want, got }) => ids(want) !== ids(got));
      const detokFailures = v.detokenize.filter(
        ([seq, removeSpecial, unparse, hex]) =>
          Buffer.from(tok.detokenize(seq, { removeSpecial, skipSpecial: !unparse, cleanSpaces: true })).toString(
            'hex',
          ) !== hex,
      );
      console.log(
        `${name}: encode ${v.encode.length - encodeFailures.length}/${v.encode.length}, detokenize ${
          v.detokenize.length - detokFailures.length
        }/${v.detokenize.length} identical`,
      );
      expect(
        encodeFailures.map((f) => `${JSON.stringify(f.text)}: got ${ids(f.got)}, llama.cpp ${ids(f.want)}`),
      ).toEqual([]);
      expect(detokFailures).toEqual([]);
      const m = /bos (-?\d+) eos (-?\d+) eot (-?\d+) add_bos (\d) add_eos (\d)/.exec(v.info)!;
      expect([tok.bos ?? -1, tok.eos ?? -1, tok.eot ?? -1, Number(tok.addBos), Number(tok.addEos)]).toEqual(
        m.slice(1).map(Number),
      );
    });
  }
});

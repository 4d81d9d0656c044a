import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, hasFixture } from '@llamats/test-fixtures';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenIdError, Tokenizer } from './index.js';

const VOCABS = ['vocab/ggml-vocab-llama-spm.gguf', 'vocab/ggml-vocab-gpt-2.gguf', 'vocab/ggml-vocab-llama-bpe.gguf'];

for (const rel of VOCABS) {
  describe.skipIf(!hasFixture(rel))(`${rel}`, () => {
    let tok: Tokenizer;
    beforeAll(async () => {
      const g = await openGgufFile(fixturePath(rel)!);
      tok = Tokenizer.fromGguf(g);
      await g.close();
    });

    it('round-trips random Unicode text: decode(encode(s)) === s', () => {
      // SentencePiece adds a space in front and decode removes it again; lone surrogates are excluded
      // because UTF-8 cannot carry them (they are documented to become U+FFFD).
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
          expect(tok.decode(tok.encode(s, { addSpecial: false }))).toBe(s);
        }),
        { numRuns: 300, seed: 42 },
      );
    });

    it('streams decode identically to whole decode, never emitting U+FFFD for split characters', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
          const ids = tok.encode(s, { addSpecial: false });
          const d = tok.createStreamDecoder();
          let out = '';
          for (const id of ids) out += d.push(id);
          out += d.flush();
          expect(out).toBe(tok.decode(ids));
          expect(out.includes('\uFFFD')).toBe(s.includes('\uFFFD'));
        }),
        { numRuns: 200, seed: 7 },
      );
    });

    it('encodes lone surrogates as U+FFFD instead of failing', () => {
      const ids = tok.encode('a\uD800b', { addSpecial: false });
      expect(tok.decode(ids)).toBe('a\uFFFDb');
    });

    it('rejects token ids outside the vocabulary with a typed error', () => {
      expect(() => tok.decode([tok.vocabSize])).toThrow(TokenIdError);
      expect(() => tok.decode([-1])).toThrow(TokenIdError);
      expect(() => tok.tokenToPiece(1.5)).toThrow(TokenIdError);
    });

    it('tokenizes a 256 KB single "word" without recursion limits or quadratic blow-up', () => {
      // One long run without spaces is the worst case for merging (1 MB is measured by `pnpm bench`).
      const word = 'x'.repeat(1 << 18);
      // A quadratic merge would run past the test timeout here; speed itself is measured by `pnpm bench`.
      const ids = tok.encode(word, { addSpecial: false });
      expect(tok.decode(ids)).toBe(word);
    });
  });
}

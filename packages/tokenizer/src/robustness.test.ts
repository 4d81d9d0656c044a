/**
 * Properties over random text (round trip, streaming = whole decode), bad input, and long input.
 */
import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, hasFixture } from '@llamats/test-fixtures';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenIdError, Tokenizer } from './index.js';

const VOCABS = [
  'vocab/ggml-vocab-llama-spm.gguf',
  'vocab/ggml-vocab-llama-bpe.gguf',
  'vocab/ggml-vocab-gpt-2.gguf',
  'vocab/ggml-vocab-deepseek-coder.gguf',
  'models/spm4k-Q8_0.gguf',
];

for (const rel of VOCABS) {
  describe.skipIf(!hasFixture(rel))(rel, () => {
    let tok: Tokenizer;
    beforeAll(async () => {
      const g = await openGgufFile(fixturePath(rel)!);
      tok = Tokenizer.fromGguf(g, { onWarning: () => {} });
      await g.close();
    });

    // spm4k keeps only the first 4096 LLaMA tokens: `▁` alone is not one of them, so a space that merges with
    // nothing falls back to the bytes of `▁`, which decode (in llama.cpp too) as `▁`, not as a space.
    it.skipIf(rel.includes('spm4k'))('round-trips random Unicode text: decode(encode(s)) === s', () => {
      // SentencePiece's encoder puts a space in front; decode removes it from the first token (llama.cpp's rule).
      const text = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({
          unit: fc.constantFrom(' ', '\n', '\t', 'a', "'", 's', '1', '\u00a0', '\u3000', 'é', '\u0301'),
          maxLength: 30,
        }),
      );
      fc.assert(
        fc.property(text, (s) => {
          expect(tok.decode(tok.encode(s, { addSpecial: false }))).toBe(s);
        }),
        { numRuns: 300, seed: 42 },
      );
    });

    it('streams the same text as decode, never splitting a character into U+FFFD', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.boolean(), (s, addSpecial) => {
          const ids = tok.encode(s, { addSpecial });
          for (const options of [{}, { stripLeadingSpace: false }, { skipSpecial: false }]) {
            const d = tok.createStreamDecoder(options);
            let out = '';
            for (const id of ids) out += d.push(id);
            out += d.flush();
            expect(out).toBe(tok.decode(ids, options));
            expect(out.includes('\uFFFD')).toBe(s.includes('\uFFFD'));
          }
        }),
        { numRuns: 200, seed: 7 },
      );
    });

    it('encodes lone surrogates as U+FFFD instead of failing', () => {
      expect(tok.decode(tok.encode('a\uD800b\uDFFF', { addSpecial: false }))).toBe('a\uFFFDb\uFFFD');
    });

    it('rejects token ids outside the vocabulary with a typed error', () => {
      for (const bad of [tok.vocabSize, -1, 1.5, Number.NaN]) {
        expect(() => tok.decode([bad])).toThrow(TokenIdError);
        expect(() => tok.createStreamDecoder().push(bad)).toThrow(TokenIdError);
        expect(() => tok.tokenToPiece(bad)).toThrow(TokenIdError);
      }
    });

    it('tokenizes a 1 MB single "word" (no spaces) in linear-ish time, without recursion', () => {
      // The worst case for merging: one run of a million characters (merged with a heap, not rescans).
      const word = 'ab'.repeat(1 << 19);
      const t0 = performance.now();
      const ids = tok.encode(word, { addSpecial: false });
      const ms = performance.now() - t0;
      expect(tok.decode(ids)).toBe(word);
      expect(ms).toBeLessThan(20_000); // ~0.5 s here; a quadratic merge would take hours
    }, 60_000);
  });
}

describe.skipIf(!hasFixture('models/spm4k-Q8_0.gguf'))('a SentencePiece vocabulary without the `▁` token', () => {
  it('decodes a lone space as `▁`, as llama.cpp does (its byte fallback spells U+2581)', async () => {
    const g = await openGgufFile(fixturePath('models/spm4k-Q8_0.gguf')!);
    const tok = Tokenizer.fromGguf(g);
    await g.close();
    const ids = tok.encode('a \u0000 b', { addSpecial: false });
    expect(ids).toEqual([263, 229, 153, 132, 3, 289]); // llama.cpp's ids: a, <0xE2><0x96><0x81>, <0x00>, ▁b
    expect(tok.decode(ids)).toBe('a\u2581\u0000 b');
  });
});

describe.skipIf(!hasFixture('vocab/ggml-vocab-llama-spm.gguf'))(
  'decoding invalid UTF-8 and streaming split characters',
  () => {
    let tok: Tokenizer;
    beforeAll(async () => {
      const g = await openGgufFile(fixturePath('vocab/ggml-vocab-llama-spm.gguf')!);
      tok = Tokenizer.fromGguf(g);
      await g.close();
    });

    it('turns bytes that are not UTF-8 into U+FFFD in text, and keeps them in detokenize', () => {
      const lone = tok.vocab.idOf.get('<0xE6>')!; // the first byte of a 3-byte character, alone
      expect(tok.decode([lone])).toBe('\uFFFD');
      expect(Array.from(tok.detokenize([lone]))).toEqual([0xe6]);
    });

    it('emits a character split over byte tokens once, when its last byte arrives', () => {
      const ids = tok.encode('🦙', { addSpecial: false }); // not in the vocabulary: four <0xNN> tokens
      expect(ids.length).toBeGreaterThan(1);
      const d = tok.createStreamDecoder();
      const pieces = ids.map((id) => d.push(id));
      expect(pieces.slice(0, -1).every((p) => p === '')).toBe(true);
      expect(pieces[pieces.length - 1]).toBe('🦙');
      expect(d.flush()).toBe('');
    });
  },
);

import { fixturePath, hasFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { loadGgufVocab } from '../../test/gguf-vocab.js';
import { GrammarRejectedTokenError } from '../errors.js';
import { Grammar } from './grammar.js';
import type { GrammarMatcher } from './matcher.js';
import type { SamplerVocab } from './vocab.js';

/** Allowed token ids according to the mask. */
function allowed(m: GrammarMatcher, size: number): number[] {
  const mask = m.mask();
  const out: number[] = [];
  for (let id = 0; id < size; id++) if ((mask[id >>> 5] >>> (id & 31)) & 1) out.push(id);
  return out;
}

// id:            0     1    2    3     4      5     6    7      8     9             10            11
const pieces = ['', 'a', 'b', 'ab', '"}', '{"', '":', '1', '12', 'x', Uint8Array.of(0xc3), Uint8Array.of(0xa9)];
const vocab: SamplerVocab = { pieces, eog: [0] };

describe('GrammarMatcher', () => {
  it('allows multi-symbol tokens and ends with EOG only', () => {
    const g = Grammar.fromGbnf('root ::= "a"+ "b"');
    const m = g.matcher(vocab);
    expect(allowed(m, pieces.length)).toEqual([1, 3]); // "a", "ab"
    m.accept(3);
    expect(m.isComplete()).toBe(true);
    expect(allowed(m, pieces.length)).toEqual([0]); // only EOG
    m.accept(0);
  });

  it('lets a token cross rule boundaries ("} closes a string and an object)', () => {
    const g = Grammar.fromGbnf('root ::= "{\\"" [a-z]* "\\":" [0-9]+ "}" | "{\\"" [a-z]* "\\"}"');
    const m = g.matcher(vocab);
    expect(allowed(m, pieces.length)).toEqual([5]);
    m.accept(5);
    expect(allowed(m, pieces.length)).toEqual([1, 2, 3, 4, 6, 9]);
    m.accept(6);
    expect(allowed(m, pieces.length)).toEqual([7, 8]);
  });

  it('follows a character split across byte tokens (UTF-8)', () => {
    const g = Grammar.fromGbnf('root ::= "é" "a"');
    const m = g.matcher(vocab);
    expect(allowed(m, pieces.length)).toEqual([10]); // lead byte C3 can start é
    m.accept(10);
    expect(m.canEnd()).toBe(false);
    expect(allowed(m, pieces.length)).toEqual([11]); // only the continuation A9
    m.accept(11);
    expect(allowed(m, pieces.length)).toEqual([1]);
    expect(() => Grammar.fromGbnf('root ::= "ü"').matcher(vocab).accept(10)).not.toThrow(); // C3 could be ü
    const ascii = Grammar.fromGbnf('root ::= [a-z]').matcher(vocab);
    expect(ascii.allows(10)).toBe(false); // C3 starts no lowercase ASCII letter
  });

  it('rejects tokens the grammar does not allow, with the token in the error', () => {
    const m = Grammar.fromGbnf('root ::= "a"').matcher(vocab);
    expect(m.allows(2)).toBe(false);
    expect(m.allows(0)).toBe(false);
    expect(() => m.accept(2)).toThrow(GrammarRejectedTokenError);
    expect(() => m.accept(2)).toThrow(/Token 2 \("b"\)/);
  });

  it('allows EOG and continuation together when the grammar may end or go on', () => {
    const m = Grammar.fromGbnf('root ::= [0-9]+').matcher(vocab);
    m.accept(7);
    expect(allowed(m, pieces.length)).toEqual([0, 7, 8]);
  });

  it('serves repeated positions from the cache', () => {
    const m = Grammar.fromGbnf('root ::= ("a" | "b")+').matcher(vocab);
    for (let i = 0; i < 10; i++) {
      m.mask();
      m.accept(i % 2 ? 1 : 2);
    }
    expect(m.walks).toBeLessThanOrEqual(2);
  });
});

// The trie walk must agree with checking every token on its own, on real vocabularies, at many positions.
const JSON_GBNF = String.raw`
root ::= object
value ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
ws ::= | " " | "\n" [ \t]{0,20}
`;

const prefixes = [
  '',
  '{',
  '{"',
  '{"na',
  '{"name": "Jo',
  '{"a": [1, 2',
  '{"a": {"b": tr',
  '{"k": "\\u00',
  '{"é": "ü',
  '{"a": 1}',
];

for (const file of ['vocab/ggml-vocab-llama-spm.gguf', 'vocab/ggml-vocab-llama-bpe.gguf']) {
  describe.skipIf(!hasFixture(file))(`mask = per-token check on ${file}`, () => {
    it('agrees at JSON positions', async () => {
      const v = await loadGgufVocab(fixturePath(file)!);
      const g = Grammar.fromGbnf(JSON_GBNF);
      for (const prefix of prefixes) {
        const m = g.matcher(v);
        expect(m.acceptText(prefix)).toBe(true);
        const mask = m.mask();
        let disagreements = 0;
        let count = 0;
        for (let id = 0; id < v.pieces.length; id++) {
          const bit = ((mask[id >>> 5] >>> (id & 31)) & 1) === 1;
          if (bit) count++;
          if (bit !== m.allows(id)) disagreements++;
        }
        expect(disagreements, prefix).toBe(0);
        expect(count, prefix).toBeGreaterThan(0);
      }
    });
  });
}

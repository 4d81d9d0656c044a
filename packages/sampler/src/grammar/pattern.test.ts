import { describe, expect, it } from 'vitest';
import { accepts, automaton } from '../../test/grammar-utils.js';
import { JsonSchemaError } from '../errors.js';
import { jsonSchemaToGbnf } from './json-schema.js';

/** The grammar for `{type: string, pattern}` accepts exactly the JSON strings whose value matches. */
function check(pattern: string, samples: string[]) {
  const a = automaton(jsonSchemaToGbnf({ type: 'string', pattern }, { whitespace: 'compact' }));
  const re = new RegExp(pattern, 'u');
  for (const s of samples) {
    const json = JSON.stringify(s);
    expect(accepts(a, json), `${pattern} on ${json}`).toBe(re.test(s));
  }
}

describe('pattern → grammar', () => {
  it('anchored patterns with classes, counts and escapes', () => {
    check('^[A-Z]{3}-\\d{2,4}$', ['ABC-12', 'ABC-1234', 'ABC-1', 'abc-12', 'ABCD-12', 'ABC-12345']);
    check('^(foo|bar)+\\.txt$', ['foo.txt', 'foobarfoo.txt', 'baz.txt', 'foo.tx', 'footxt']);
    check('^\\w+@\\w+\\.(com|org)$', ['a_b@c.com', 'x@y.org', 'x@y.net', '@y.com']);
    check('^[^"\\\\]*$', ['plain', 'with "quote"', 'back\\slash', '']);
    check('^a.c$', ['abc', 'a"c', 'a\\c', 'a\nc', 'a\tc', 'ac']);
    check('^\\s?x[\\t ]*$', [' x', 'x\t ', '\tx', '  x']);
    check('^(?:\\+\\d{1,3} )?\\(?\\d{3}\\)?[-. ]?\\d{4}$', ['+1 (555) 1234', '555-1234', '5551234', '+12345 555 1234']);
    check('^[é-ü]+😀?$', ['éü', 'éü😀', 'a']);
    check('^x*?y{2}?$', ['yy', 'xxyy', 'y']);
  });

  it('unanchored patterns may be surrounded by other text', () => {
    check('ab+', ['ab', 'xxabbbyy', 'a b', '']);
    check('^ab', ['abc', 'cab']);
    check('z$', ['xyz', 'zx']);
  });

  it('rejects what a grammar cannot express', () => {
    for (const p of ['^(?=a)b$', '^(a)\\1$', '^\\bword$', '^a^b$', '^a(b$)']) {
      expect(() => jsonSchemaToGbnf({ type: 'string', pattern: p }), p).toThrow(JsonSchemaError);
    }
    expect(() => jsonSchemaToGbnf({ type: 'string', pattern: '^(?=a)b$' })).toThrow(/#\/pattern/);
  });
});

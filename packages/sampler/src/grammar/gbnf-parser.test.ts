import { describe, expect, it } from 'vitest';
import { accepts, automaton, isPrefix } from '../../test/grammar-utils.js';
import { GrammarError, GrammarSyntaxError } from '../errors.js';
import { Grammar } from './grammar.js';

describe('GBNF syntax', () => {
  it('literals, alternation, grouping and rule references', () => {
    const g = `
      # a greeting, then a name
      root ::= greeting " " name ("!" | ".")
      greeting ::= "hello" | "hi"
      name ::= [A-Z] [a-z]*
    `;
    expect(accepts(g, 'hello Ada!')).toBe(true);
    expect(accepts(g, 'hi Bob.')).toBe(true);
    expect(accepts(g, 'hey Bob.')).toBe(false);
    expect(accepts(g, 'hi bob.')).toBe(false);
    expect(accepts(g, 'hi Bob')).toBe(false);
    expect(isPrefix(g, 'hi Bob')).toBe(true);
  });

  it('repetition operators * + ? {m} {m,} {m,n}', () => {
    expect(accepts('root ::= "a"*', '')).toBe(true);
    expect(accepts('root ::= "a"*', 'aaaa')).toBe(true);
    expect(accepts('root ::= "a"+', '')).toBe(false);
    expect(accepts('root ::= "a"+', 'aaa')).toBe(true);
    expect(accepts('root ::= "a"? "b"', 'b')).toBe(true);
    expect(accepts('root ::= "a"? "b"', 'ab')).toBe(true);
    expect(accepts('root ::= "a"? "b"', 'aab')).toBe(false);
    const exactly3 = automaton('root ::= [0-9]{3}');
    expect(['12', '123', '1234'].map((t) => accepts(exactly3, t))).toEqual([false, true, false]);
    const atLeast2 = automaton('root ::= "x"{2,}');
    expect(['x', 'xx', 'xxxxxxx'].map((t) => accepts(atLeast2, t))).toEqual([false, true, true]);
    const between = automaton('root ::= ("ab"){1,3} "c"');
    expect(['c', 'abc', 'ababc', 'abababc', 'ababababc'].map((t) => accepts(between, t))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(accepts('root ::= "a"{0}"b"', 'b')).toBe(true);
  });

  it('character classes: ranges, several ranges, negation, escapes, any', () => {
    const hex = automaton('root ::= [0-9a-fA-F]+');
    expect(accepts(hex, 'deadBEEF09')).toBe(true);
    expect(accepts(hex, 'xyz')).toBe(false);
    const notQuote = automaton('root ::= "\\"" [^"\\\\]* "\\""');
    expect(accepts(notQuote, '"hello world"')).toBe(true);
    expect(accepts(notQuote, '"he"llo"')).toBe(false);
    expect(accepts('root ::= [\\x41-\\x43]', 'B')).toBe(true);
    expect(accepts('root ::= [\\u00e0-\\u00ff]', 'é')).toBe(true);
    expect(accepts('root ::= "\\U0001F600"', '😀')).toBe(true);
    expect(accepts('root ::= [\\t\\n\\r] "\\\\" [\\]\\[\\-]', '\n\\-')).toBe(true);
    expect(accepts('root ::= . . .', 'a€😀')).toBe(true);
    expect(accepts('root ::= [a-]', '-')).toBe(true);
    expect(accepts('root ::= [^a-z]', 'Q')).toBe(true);
    expect(accepts('root ::= [^a-z]', 'q')).toBe(false);
  });

  it('newlines end rules except inside parentheses; comments anywhere', () => {
    const g = `root ::= (
        "a" # first
        | "b"
      ) tail
    tail ::= "!"   # end
    `;
    expect(accepts(g, 'a!')).toBe(true);
    expect(accepts(g, 'b!')).toBe(true);
    // As in llama.cpp, a top-level newline ends the rule: an alternative on the next line is an error.
    expect(() => accepts('root ::= "x"\n  | "y"\n', 'y')).toThrow(/expected a rule name/);
  });

  it('recursive rules (balanced brackets)', () => {
    const g = 'root ::= item*\nitem ::= "(" item* ")"';
    expect(accepts(g, '(()(()))()')).toBe(true);
    expect(accepts(g, '(()')).toBe(false);
    expect(isPrefix(g, '(()')).toBe(true);
  });
});

describe('GBNF errors', () => {
  const errorOf = (g: string) => {
    try {
      Grammar.fromGbnf(g);
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected an error');
  };

  it.each([
    ['root ::= "a"\nfoo ::= [a-z', 2, 9, /unterminated character class/],
    ['root ::= "abc', 1, 10, /unterminated string literal/],
    ['root ::= ("a" | "b"', 1, 10, /expected "\)"/],
    ['root ::= "a"\n\nfoo = "b"', 3, 5, /expected "::="/],
    ['root ::= "\\q"', 1, 11, /unknown escape/],
    ['root ::= * "a"', 1, 10, /expected an item before the repetition/],
    ['root ::= "a"{3,1}', 1, 13, /maximum 1 is below the minimum 3/],
    ['root ::= "a" other', 1, 14, /undefined rule "other"/],
    ['root ::= "\\x4"', 1, 13, /expected 2 hex digits/],
    ['root ::= "a" )', 1, 14, /expected a newline/],
  ])('%j → line %i, column %i', (g, line, column, message) => {
    const e = errorOf(g);
    expect(e).toBeInstanceOf(GrammarSyntaxError);
    expect((e as GrammarSyntaxError).line).toBe(line);
    expect((e as GrammarSyntaxError).column).toBe(column);
    expect(e.message).toMatch(message);
  });

  it('rejects grammars without root and left-recursive ones', () => {
    expect(errorOf('start ::= "a"')).toBeInstanceOf(GrammarError);
    expect(errorOf('root ::= root "a" | "b"').message).toMatch(/left-recursive at rule "root"/);
    expect(errorOf('root ::= x\nx ::= "" | x "a"')).toBeInstanceOf(GrammarError);
  });

  it('accepts another start rule when asked', () => {
    const g = Grammar.fromGbnf('start ::= "a"', { root: 'start' });
    expect(g.automaton.initialState).toBeGreaterThan(0);
  });
});

/** Test helpers: does a grammar accept a whole text / a prefix of it? (Code point by code point.) */
import { DEAD_STATE, GrammarAutomaton } from '../src/grammar/automaton.js';
import { parseGbnf } from '../src/grammar/gbnf-parser.js';

export function automaton(gbnf: string): GrammarAutomaton {
  return new GrammarAutomaton(parseGbnf(gbnf));
}

/** The state after `text`, or DEAD_STATE. */
export function run(a: GrammarAutomaton, text: string): number {
  let s = a.initialState;
  for (const ch of text) {
    s = a.step(s, ch.codePointAt(0)!);
    if (s === DEAD_STATE) return s;
  }
  return s;
}

/** `text` is a complete sentence of the grammar. */
export function accepts(gbnf: string | GrammarAutomaton, text: string): boolean {
  const a = typeof gbnf === 'string' ? automaton(gbnf) : gbnf;
  const s = run(a, text);
  return s !== DEAD_STATE && a.accepting(s);
}

/** `text` can be continued into a sentence of the grammar. */
export function isPrefix(gbnf: string | GrammarAutomaton, text: string): boolean {
  const a = typeof gbnf === 'string' ? automaton(gbnf) : gbnf;
  return run(a, text) !== DEAD_STATE;
}

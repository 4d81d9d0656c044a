/**
 * Special-token partitioning as llama.cpp's `tokenizer_st_partition`: the text is cut at occurrences of
 * control, user-defined and unknown tokens, longest token text first. Control and unknown tokens are only
 * recognised with `parseSpecial`; user-defined tokens always are.
 */
import { TokenType, type Vocab } from './vocab.js';

export type Fragment = { readonly text: string } | { readonly token: number };

export interface SpecialTokens {
  /** Candidates, longest text first: [text, id, alwaysParsed]. */
  readonly list: ReadonlyArray<readonly [string, number, boolean]>;
}

export function collectSpecialTokens(vocab: Vocab): SpecialTokens {
  const list: [string, number, boolean][] = [];
  for (let id = 0; id < vocab.tokens.length; id++) {
    const t = vocab.types[id];
    if (
      (t === TokenType.Control || t === TokenType.UserDefined || t === TokenType.Unknown) &&
      vocab.tokens[id] !== ''
    ) {
      list.push([vocab.tokens[id], id, t === TokenType.UserDefined]);
    }
  }
  list.sort((a, b) => b[0].length - a[0].length || a[1] - b[1]);
  return { list };
}

export function partition(text: string, specials: SpecialTokens, parseSpecial: boolean): Fragment[] {
  let frags: Fragment[] = [{ text }];
  for (const [piece, id, always] of specials.list) {
    if (!parseSpecial && !always) continue;
    let changed = false;
    const next: Fragment[] = [];
    for (const f of frags) {
      if (!('text' in f) || !f.text.includes(piece)) {
        next.push(f);
        continue;
      }
      changed = true;
      let from = 0;
      for (let at = f.text.indexOf(piece); at >= 0; at = f.text.indexOf(piece, from)) {
        if (at > from) next.push({ text: f.text.slice(from, at) });
        next.push({ token: id });
        from = at + piece.length;
      }
      if (from < f.text.length) next.push({ text: f.text.slice(from) });
    }
    if (changed) frags = next;
  }
  return frags;
}

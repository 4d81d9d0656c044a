/**
 * Special-token partitioning as llama.cpp's `tokenizer_st_partition`: the text is cut at occurrences of
 * control, user-defined and unknown tokens, one token at a time from the longest text (in UTF-8 bytes) to
 * the shortest, each taking every occurrence left of it in the text still uncut. Control and unknown tokens
 * are only recognised with `parseSpecial`; user-defined tokens always are. A token with the `Lstrip`/`Rstrip`
 * attribute swallows the ASCII whitespace before/after it.
 *
 * llama.cpp scans the whole text once per special token. Here one pass first finds which special tokens
 * occur at all (by their first character), and only those take part.
 */
import { TokenAttr, type Vocab } from './vocab.js';

export type Fragment = { readonly text: string } | { readonly token: number };

interface Special {
  readonly text: string;
  readonly id: number;
  readonly attrs: number;
}

const utf8 = new TextEncoder();

/** ASCII whitespace as C's `isspace`. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

export class SpecialTokens {
  /** Candidates in llama.cpp's order: longer UTF-8 text first (ties: lower id). */
  private readonly list: Special[];
  /** Candidates by the first UTF-16 unit of their text. */
  private readonly byFirst = new Map<number, Special[]>();

  constructor(vocab: Vocab) {
    const list: (Special & { bytes: number })[] = [];
    const { tokens, attrs } = vocab;
    for (let id = 0; id < tokens.length; id++) {
      if (attrs[id] & (TokenAttr.Control | TokenAttr.UserDefined | TokenAttr.Unknown)) {
        list.push({ text: tokens[id], id, attrs: attrs[id], bytes: utf8.encode(tokens[id]).length });
      }
    }
    list.sort((a, b) => b.bytes - a.bytes || a.id - b.id);
    this.list = list;
    for (const s of list) {
      const first = s.text.charCodeAt(0);
      const group = this.byFirst.get(first);
      if (group) group.push(s);
      else this.byFirst.set(first, [s]);
    }
  }

  /** Cuts `text` into text fragments and special tokens. */
  partition(text: string, parseSpecial: boolean): Fragment[] {
    const present = this.present(text, parseSpecial);
    if (present.length === 0) return text === '' ? [] : [{ text }];
    // Fragments as [start, end) ranges of `text`, or tokens.
    let frags: ({ start: number; end: number } | { token: number })[] = [{ start: 0, end: text.length }];
    for (const s of present) {
      const next: typeof frags = [];
      for (const f of frags) {
        if ('token' in f) {
          next.push(f);
          continue;
        }
        let from = f.start;
        for (
          let at = text.indexOf(s.text, from);
          at >= 0 && at + s.text.length <= f.end;
          at = text.indexOf(s.text, from)
        ) {
          let leftEnd = at;
          if (s.attrs & TokenAttr.Lstrip) while (leftEnd > from && isSpace(text.charCodeAt(leftEnd - 1))) leftEnd--;
          if (leftEnd > from) next.push({ start: from, end: leftEnd });
          next.push({ token: s.id });
          from = at + s.text.length;
          if (s.attrs & TokenAttr.Rstrip) while (from < f.end && isSpace(text.charCodeAt(from))) from++;
        }
        if (from < f.end) next.push({ start: from, end: f.end });
      }
      frags = next;
    }
    return frags.map((f) => ('token' in f ? f : { text: text.slice(f.start, f.end) }));
  }

  /** The candidates that occur in `text`, in llama.cpp's order. */
  private present(text: string, parseSpecial: boolean): Special[] {
    const found = new Set<Special>();
    for (const [first, group] of this.byFirst) {
      const ch = String.fromCharCode(first);
      for (let at = text.indexOf(ch); at >= 0; at = text.indexOf(ch, at + 1)) {
        for (const s of group) {
          if (!parseSpecial && s.attrs & (TokenAttr.Control | TokenAttr.Unknown)) continue;
          if (!found.has(s) && text.startsWith(s.text, at)) found.add(s);
        }
        if (found.size === this.list.length) break;
      }
    }
    return this.list.filter((s) => found.has(s));
  }
}

/**
 * llama.cpp's hand-written pre-tokenizer splitters (`unicode_regex_split_custom_*` in unicode.cpp), which it
 * uses instead of a regex engine for the GPT-2 and LLaMA 3 family patterns. They follow the regexes except
 * in llama.cpp's own view of Unicode (its category table and White_Space list) and in how a piece's end
 * limits look-ahead: each splitter only looks inside the piece it is given.
 *
 * A splitter reads code points `cps[start, end)` and appends the end offset of every piece to `out`.
 */
import { CpFlag } from './unicode.js';

export type Splitter = (cps: Int32Array, flags: Uint8Array, start: number, end: number, out: number[]) => void;

const WS = CpFlag.Whitespace;
const N = CpFlag.Number;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const APOSTROPHE = 0x27;

/** ASCII lower case; other code points unchanged (no non-ASCII letter lowercases to s t r e v m l d). */
function lower(cp: number): number {
  return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
}

/**
 * Length of the contraction `'s 't 're 've 'm 'll 'd` at `pos` (0 if none). `fold`: case-insensitive, as
 * LLaMA 3's `(?i:...)`.
 */
function contraction(cps: Int32Array, pos: number, end: number, fold: boolean): number {
  if (cps[pos] !== APOSTROPHE || pos + 1 >= end) return 0;
  const a = fold ? lower(cps[pos + 1]) : cps[pos + 1];
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return 2; // s t m d
  if (pos + 2 >= end) return 0;
  const b = fold ? lower(cps[pos + 2]) : cps[pos + 2];
  if ((a === 0x72 && b === 0x65) || (a === 0x76 && b === 0x65) || (a === 0x6c && b === 0x6c)) return 3; // re ve ll
  return 0;
}

/**
 * Whitespace at `pos`: `\s+(?!\S)` keeps the last space for the next word when more text follows, `\s+`
 * takes the whole run at the end. Returns the end of the piece.
 */
function whitespaceRun(cps: Int32Array, flags: Uint8Array, pos: number, end: number): number {
  let n = 0;
  while (pos + n < end && flags[cps[pos + n]] & WS) n++;
  if (n > 1 && pos + n < end) return pos + n - 1;
  if (n > 0) return pos + n;
  return pos + 1; // matches nothing: the code point stands alone
}

/** GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` */
export const splitGpt2: Splitter = (cps, flags, start, end, out) => {
  const L = CpFlag.Letter;
  const at = (p: number) => (p < end ? flags[cps[p]] : 0);
  let pos = start;
  while (pos < end) {
    const c = cps[pos];
    const k = contraction(cps, pos, end, false);
    if (k > 0) {
      pos += k;
      out.push(pos);
      continue;
    }
    const f2 = c === SPACE ? at(pos + 1) : flags[c];
    const cls = f2 & L ? L : f2 & N ? N : 0;
    if (cls !== 0) {
      // ` ?\p{L}+` or ` ?\p{N}+`
      pos += c === SPACE ? 2 : 1;
      while (at(pos) & cls) pos++;
      out.push(pos);
      continue;
    }
    if (f2 !== 0 && !(f2 & WS)) {
      // ` ?[^\s\p{L}\p{N}]+`
      pos += c === SPACE ? 2 : 1;
      for (let f = at(pos); f !== 0 && !(f & (WS | L | N)); f = at(pos)) pos++;
      out.push(pos);
      continue;
    }
    pos = whitespaceRun(cps, flags, pos, end);
    out.push(pos);
  }
};

/**
 * LLaMA 3 and its relatives:
 * `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
 * `maxDigits` 1 gives Qwen2's `\p{N}`; `letters` Letter|Mark gives Qwen3.5's `[\p{L}\p{M}]+`.
 */
export function llama3Splitter(maxDigits: number, letters: number): Splitter {
  return (cps, flags, start, end, out) => {
    const at = (p: number) => (p < end ? flags[cps[p]] : 0);
    let pos = start;
    while (pos < end) {
      const c = cps[pos];
      const f = flags[c];
      const k = contraction(cps, pos, end, true);
      if (k > 0) {
        pos += k;
        out.push(pos);
        continue;
      }
      // `[^\r\n\p{L}\p{N}]?\p{L}+`: one optional leading code point, then letters
      if (c !== CR && c !== LF && !(f & N) && (f & letters || at(pos + 1) & letters)) {
        pos++;
        while (at(pos) & letters) pos++;
        out.push(pos);
        continue;
      }
      // `\p{N}{1,3}`: digits in groups of three from the left
      if (f & N) {
        let group = pos;
        while (at(pos) & N) {
          if (++pos - group >= maxDigits) {
            out.push(pos);
            group = pos;
          }
        }
        if (pos > group) out.push(pos);
        continue;
      }
      // ` ?[^\s\p{L}\p{N}]+[\r\n]*` (llama.cpp tests the flags of the space itself, hence `f !== 0`)
      const f2 = c === SPACE ? at(pos + 1) : f;
      if (!(f2 & (WS | letters | N)) && f !== 0) {
        if (c === SPACE) pos++;
        for (let g = at(pos); g !== 0 && !(g & (WS | letters | N)); g = at(pos)) pos++;
        while (pos < end && (cps[pos] === CR || cps[pos] === LF)) pos++;
        out.push(pos);
        continue;
      }
      // `\s*[\r\n]+`: whitespace up to and including the last line break of the run
      let n = 0;
      let afterBreak = -1;
      while (pos + n < end && flags[cps[pos + n]] & WS) {
        const w = cps[pos + n];
        n++;
        if (w === CR || w === LF) afterBreak = pos + n;
      }
      pos = afterBreak >= 0 ? afterBreak : whitespaceRun(cps, flags, pos, end);
      out.push(pos);
    }
  };
}

/** `[^\n]+|[\n]+`: runs of line feeds and runs of everything else. */
export const splitNewlines: Splitter = (cps, _flags, start, end, out) => {
  let pos = start;
  while (pos < end) {
    const nl = cps[pos] === LF;
    while (pos < end && (cps[pos] === LF) === nl) pos++;
    out.push(pos);
  }
};

/**
 * Code point classes as llama.cpp's `unicode.cpp` sees them: one flag byte per code point, built once from
 * llama.cpp's category table (`unicode-data.ts`) and its whitespace list. The pre-tokenizers test these
 * flags instead of JavaScript's `\p{...}`, whose Unicode version is newer than llama.cpp's.
 */
import { CATEGORY_RANGES } from './unicode-data.js';

/** Flag bits of a code point; exactly one category bit is set, plus `Whitespace` where it applies. */
export const CpFlag = {
  Unassigned: 1 << 0,
  Number: 1 << 1,
  Letter: 1 << 2,
  /** White_Space: `\t`..`\r`, space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028/9, U+202F, U+205F, U+3000. */
  Whitespace: 1 << 3,
  Mark: 1 << 4,
  Punctuation: 1 << 5,
  Symbol: 1 << 6,
  Other: 1 << 7,
} as const;

export const MAX_CODE_POINT = 0x10ffff;

/** The White_Space code points (llama.cpp's `unicode_set_whitespace`); every separator is one of them. */
const WHITESPACE = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];

/** Category digit of `unicode-data.ts` → flag; separators (category 3) keep only the whitespace bit. */
const FLAG_OF_CATEGORY = [
  CpFlag.Unassigned,
  CpFlag.Number,
  CpFlag.Letter,
  CpFlag.Whitespace,
  CpFlag.Mark,
  CpFlag.Punctuation,
  CpFlag.Symbol,
  CpFlag.Other,
];

let table: Uint8Array | undefined;

/** One flag byte per code point (1.1 MB), built on first use in well under a millisecond. */
export function cpFlagTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(MAX_CODE_POINT + 1);
  let start = 0;
  let prevStart = 0;
  let prevFlag = 0;
  for (const entry of CATEGORY_RANGES.split(',')) {
    start = prevStart + Number.parseInt(entry.slice(0, -1), 36);
    if (start > prevStart) t.fill(prevFlag, prevStart, start);
    prevStart = start;
    prevFlag = FLAG_OF_CATEGORY[entry.charCodeAt(entry.length - 1) - 48];
  }
  t.fill(prevFlag, prevStart);
  for (const cp of WHITESPACE) t[cp] |= CpFlag.Whitespace;
  table = t;
  return t;
}

/**
 * A text as code points, with the UTF-16 offset of each (`u16[i]`, plus the end at `u16[n]`) so that pieces
 * found on code points can be sliced from the original string. `u16` is undefined when the text has no
 * surrogate pairs (code point index = UTF-16 index).
 */
export interface CodePoints {
  readonly cps: Int32Array;
  readonly n: number;
  readonly u16: Int32Array | undefined;
}

/** Splits well-formed text into code points. */
export function toCodePoints(text: string): CodePoints {
  const len = text.length;
  const cps = new Int32Array(len);
  let n = 0;
  let u16: Int32Array | undefined;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < len) {
      if (!u16) {
        u16 = new Int32Array(len + 1);
        for (let k = 0; k < n; k++) u16[k] = k;
      }
      u16[n] = i;
      cps[n++] = ((c - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      i++;
    } else {
      if (u16) u16[n] = i;
      cps[n++] = c;
    }
  }
  if (u16) u16[n] = len;
  return { cps, n, u16 };
}

/** The UTF-16 offset of code point `i`. */
export function u16Offset(t: CodePoints, i: number): number {
  return t.u16 ? t.u16[i] : i;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone UTF-16 surrogates by U+FFFD, as encoding the text to UTF-8 would. */
export function toWellFormed(text: string): string {
  const s = text as string & { isWellFormed?: () => boolean };
  if (s.isWellFormed ? s.isWellFormed() : !LONE_SURROGATE.test(text)) return text;
  LONE_SURROGATE.lastIndex = 0;
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Appends the UTF-8 bytes of code point `cp` to `out` at `at`; returns the new end. */
export function writeUtf8(cp: number, out: Uint8Array, at: number): number {
  if (cp < 0x80) {
    out[at] = cp;
    return at + 1;
  }
  if (cp < 0x800) {
    out[at] = 0xc0 | (cp >> 6);
    out[at + 1] = 0x80 | (cp & 0x3f);
    return at + 2;
  }
  if (cp < 0x10000) {
    out[at] = 0xe0 | (cp >> 12);
    out[at + 1] = 0x80 | ((cp >> 6) & 0x3f);
    out[at + 2] = 0x80 | (cp & 0x3f);
    return at + 3;
  }
  out[at] = 0xf0 | (cp >> 18);
  out[at + 1] = 0x80 | ((cp >> 12) & 0x3f);
  out[at + 2] = 0x80 | ((cp >> 6) & 0x3f);
  out[at + 3] = 0x80 | (cp & 0x3f);
  return at + 4;
}

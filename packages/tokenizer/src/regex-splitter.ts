/**
 * Pre-tokenizer regexes that llama.cpp runs through C++ `std::regex` (`unicode_regex_split` in unicode.cpp),
 * reproduced with JavaScript regexes over the same transformed text:
 *
 * - A regex that uses Unicode classes (`\p{L}`, `\p{N}`, `\p{P}`, `\p{S}`, `\p{M}`, `\p{Lu}`...) runs on a
 *   "collapsed" text in which every non-ASCII code point becomes one byte naming its class (whitespace 0x0B,
 *   number 0xD1, letter 0xD2, punctuation 0xD3, mark 0xD4, symbol 0xD5, anything else 0xD0), and each class
 *   in the regex becomes that byte plus the ASCII members of the class.
 * - Any other regex runs on the code points themselves, with non-ASCII whitespace turned into 0x0B because
 *   `std::wregex`'s `\s` only knows ASCII whitespace.
 *
 * Matches and the text between them become pieces, as llama.cpp does.
 */
import { TokenizerError } from './errors.js';
import type { Splitter } from './splitters.js';
import { CpFlag } from './unicode.js';

/** Collapsed byte and ASCII members of each class (llama.cpp's `k_ucat_cpt` and `k_ucat_map`). */
const CLASSES: Record<string, { byte: number; ascii: string }> = {
  N: { byte: 0xd1, ascii: '\\x30-\\x39' },
  L: { byte: 0xd2, ascii: '\\x41-\\x5A\\x61-\\x7A' },
  P: { byte: 0xd3, ascii: '\\x21-\\x23\\x25-\\x2A\\x2C-\\x2F\\x3A-\\x3B\\x3F-\\x40\\x5B-\\x5D\\x5F\\x7B\\x7D' },
  M: { byte: 0xd4, ascii: '' },
  S: { byte: 0xd5, ascii: '\\x24\\x2B\\x3C-\\x3E\\x5E\\x60\\x7C\\x7E' },
};
/** llama.cpp maps the letter subclasses to all letters. */
const CLASS_NAMES: Record<string, string> = {
  N: 'N',
  L: 'L',
  P: 'P',
  M: 'M',
  S: 'S',
  Lu: 'L',
  Ll: 'L',
  Lt: 'L',
  Lm: 'L',
  Lo: 'L',
};
const CLASS_PATTERN = /\\p\{(N|L|P|M|S|Lu|Ll|Lt|Lm|Lo)\}/;

/** The collapsed byte of a non-ASCII code point with these flags. */
function collapsedByte(flags: number): number {
  if (flags & CpFlag.Whitespace) return 0x0b;
  if (flags & CpFlag.Number) return 0xd1;
  if (flags & CpFlag.Letter) return 0xd2;
  if (flags & CpFlag.Punctuation) return 0xd3;
  if (flags & CpFlag.Mark) return 0xd4;
  if (flags & CpFlag.Symbol) return 0xd5;
  return 0xd0;
}

/** A llama.cpp regex that this module cannot reproduce. */
export class UnsupportedRegexError extends TokenizerError {
  constructor(readonly pattern: string) {
    super(`The pre-tokenizer regex ${JSON.stringify(pattern)} is not supported`);
  }
}

function hex2(n: number): string {
  return `\\x${n.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Rewrites the classes of a regex for the collapsed text, as llama.cpp does (brackets tracked the same way). */
function collapsePattern(pattern: string): string {
  let out = '';
  let inside = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '[' && (i === 0 || pattern[i - 1] !== '\\')) {
      inside = true;
      out += ch;
      continue;
    }
    if (inside && ch === ']' && pattern[i - 1] !== '\\') {
      inside = false;
      out += ch;
      continue;
    }
    if (ch === '\\' && pattern[i + 1] === 'p' && pattern[i + 2] === '{') {
      const close = pattern.indexOf('}', i + 3);
      const name = CLASS_NAMES[pattern.slice(i + 3, close)];
      if (close < 0 || name === undefined) throw new UnsupportedRegexError(pattern);
      const cls = CLASSES[name];
      const members = hex2(cls.byte) + cls.ascii;
      out += inside ? members : `[${members}]`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

/** `\s`/`\S` as `std::wregex` reads them (ASCII whitespace only). */
function asciiWhitespacePattern(pattern: string): string {
  let out = '';
  let inside = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === 's') out += inside ? '\\t-\\r ' : '[\\t-\\r ]';
      else if (next === 'S' && !inside) out += '[^\\t-\\r ]';
      else if (next === 'S' || next === 'p' || next === 'P') throw new UnsupportedRegexError(pattern);
      else out += ch + next;
      i++;
      continue;
    }
    if (ch === '[') inside = true;
    else if (ch === ']') inside = false;
    out += ch;
  }
  return out;
}

/** A splitter that behaves as llama.cpp's `std::regex` path for `pattern`. */
export function regexSplitter(pattern: string): Splitter {
  if (CLASS_PATTERN.test(pattern)) {
    if (/[^\x00-\x7f]/.test(pattern)) throw new UnsupportedRegexError(pattern); // llama.cpp rejects these too
    const re = new RegExp(collapsePattern(pattern), 'g');
    return (cps, flags, start, end, out) => {
      const units = new Uint16Array(end - start);
      for (let i = start; i < end; i++) {
        const c = cps[i];
        units[i - start] = c < 0x80 ? c : collapsedByte(flags[c]);
      }
      splitMatches(re, unitsToString(units, units.length), start, undefined, out);
    };
  }
  const re = new RegExp(asciiWhitespacePattern(pattern), 'gu');
  return (cps, flags, start, end, out) => {
    const units = new Uint16Array(2 * (end - start));
    let n = 0;
    let astral = false;
    for (let i = start; i < end; i++) {
      const c = cps[i];
      if (c > 0xffff) {
        astral = true;
        units[n++] = 0xd800 + ((c - 0x10000) >> 10);
        units[n++] = 0xdc00 + ((c - 0x10000) & 0x3ff);
      } else {
        units[n++] = c >= 0x80 && flags[c] & CpFlag.Whitespace ? 0x0b : c;
      }
    }
    const s = unitsToString(units, n);
    let cpAt: Int32Array | undefined;
    if (astral) {
      // UTF-16 offset → code point offset
      cpAt = new Int32Array(s.length + 1);
      let k = 0;
      for (let u = 0; u < s.length; u++) {
        cpAt[u] = k;
        const cu = s.charCodeAt(u);
        if (cu >= 0xd800 && cu < 0xdc00) cpAt[++u] = k;
        k++;
      }
      cpAt[s.length] = k;
    }
    splitMatches(re, s, start, cpAt, out);
  };
}

/** The string of UTF-16 code units `units[0, n)`. */
export function unitsToString(units: Uint16Array, n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 8192) {
    s += String.fromCharCode.apply(null, units.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  }
  return s;
}

/** Appends the ends of the matches of `re` in `s` and of the text between them (offsets from `base`). */
function splitMatches(re: RegExp, s: string, base: number, cpAt: Int32Array | undefined, out: number[]): void {
  const at = (u: number) => base + (cpAt ? cpAt[u] : u);
  re.lastIndex = 0;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const len = m[0].length;
    if (len === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push(at(m.index));
    last = m.index + len;
    out.push(at(last));
  }
  if (last < s.length) out.push(at(s.length));
}

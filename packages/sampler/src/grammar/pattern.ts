/**
 * A JSON-schema `pattern` (an ECMAScript regular expression) → GBNF for the *JSON-encoded* string content:
 * characters JSON must escape (`"`, `\`, control characters) are matched in their escaped form, every other
 * character literally. Supported: literals and escapes (`\d \w \s \D \W \S \n \t \xHH \uHHHH`, escaped
 * punctuation), `.`, classes with ranges and negation, groups (`( )`, `(?: )`, `(?<name> )`), alternation,
 * quantifiers `* + ? {n} {n,} {n,m}` (lazy forms act the same), and `^` / `$` at the ends. An unanchored
 * pattern may be surrounded by any text, as JSON schema specifies. Lookarounds, backreferences and word
 * boundaries cannot be expressed and raise an error.
 */
import { JsonSchemaError } from '../errors.js';

type Range = [number, number];
const MAX_CP = 0x10ffff;

const DIGIT: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Range[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: Range[] = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];

function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Range[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [a, b] of normalize(ranges)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

/** JSON's escaped form of a character that must be escaped in a string. */
function jsonEscape(cp: number): string {
  switch (cp) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    default:
      return `\\u${cp.toString(16).padStart(4, '0')}`;
  }
}

const mustEscape = (cp: number) => cp < 0x20 || cp === 0x22 || cp === 0x5c;

function gbnfClassChar(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCharCode(cp);
  }
  return cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
}

function gbnfLiteralText(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** GBNF for one JSON-encoded character out of `ranges`. */
function classToGbnf(ranges: Range[]): string {
  const set = normalize(ranges);
  const alts: string[] = [];
  // Characters written as themselves: the set minus those JSON must escape.
  const plain = normalize(
    set.flatMap(([a, b]) => {
      const parts: Range[] = [];
      let lo = a;
      for (const cp of [0x22, 0x5c]) {
        if (cp >= lo && cp <= b) {
          parts.push([lo, cp - 1]);
          lo = cp + 1;
        }
      }
      parts.push([lo, b]);
      return parts.map(([x, y]) => [Math.max(x, 0x20), y] as Range);
    }),
  );
  if (plain.length > 0) {
    alts.push(
      `[${plain.map(([a, b]) => (a === b ? gbnfClassChar(a) : `${gbnfClassChar(a)}-${gbnfClassChar(b)}`)).join('')}]`,
    );
  }
  for (const [a, b] of set) {
    for (let cp = a; cp <= Math.min(b, 0x5c); cp++) if (mustEscape(cp)) alts.push(gbnfLiteralText(jsonEscape(cp)));
  }
  if (alts.length === 0) return '[^\\x00-\\U0010FFFF]';
  return alts.length === 1 ? alts[0] : `(${alts.join(' | ')})`;
}

class PatternParser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly path: string,
  ) {}

  private fail(detail: string): never {
    throw new JsonSchemaError(this.path, `pattern ${JSON.stringify(this.src)} at ${this.pos}: ${detail}`);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  /** Whole pattern → GBNF (without the surrounding quotes). */
  parse(): { body: string; anchoredStart: boolean; anchoredEnd: boolean } {
    let anchoredStart = false;
    if (this.peek() === '^') {
      anchoredStart = true;
      this.pos++;
    }
    const body = this.alternation(true);
    let anchoredEnd = false;
    if (this.peek() === '$') {
      anchoredEnd = true;
      this.pos++;
    }
    if (this.pos < this.src.length) this.fail(`unexpected "${this.peek()}"`);
    return { body, anchoredStart, anchoredEnd };
  }

  private alternation(top: boolean): string {
    const seqs = [this.sequence(top)];
    while (this.peek() === '|') {
      this.pos++;
      seqs.push(this.sequence(top));
    }
    return seqs.length === 1 ? seqs[0] : `(${seqs.join(' | ')})`;
  }

  private sequence(top: boolean): string {
    const items: string[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '$' && top && this.pos === this.src.length - 1) break;
      items.push(this.quantified(this.atom()));
    }
    return items.length === 0 ? '""' : items.join(' ');
  }

  private quantified(atom: string): string {
    const c = this.peek();
    let q: string | undefined;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      q = c;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) return atom; // a literal "{"
      this.pos += m[0].length;
      q = m[2] === undefined ? `{${m[1]}}` : `{${m[1]},${m[3]}}`;
    }
    if (q === undefined) return atom;
    if (this.peek() === '?') this.pos++; // lazy: same language
    return `(${atom})${q}`;
  }

  private atom(): string {
    const c = this.peek()!;
    if (c === '(') {
      this.pos++;
      if (this.src.startsWith('?:', this.pos)) this.pos += 2;
      else if (this.src.startsWith('?<', this.pos) && !/^\?<[=!]/.test(this.src.slice(this.pos))) {
        const end = this.src.indexOf('>', this.pos);
        if (end < 0) this.fail('unterminated group name');
        this.pos = end + 1;
      } else if (this.peek() === '?') this.fail('lookarounds cannot be expressed in a grammar');
      const inner = this.alternation(false);
      if (this.peek() !== ')') this.fail('expected ")"');
      this.pos++;
      return `(${inner})`;
    }
    if (c === '[') return classToGbnf(this.charClass());
    if (c === '.') {
      this.pos++;
      return classToGbnf(complement(LINE_TERMINATORS));
    }
    if (c === '^' || c === '$') this.fail('anchors are supported only at the start and end');
    if (c === '*' || c === '+' || c === '?') this.fail('nothing to repeat');
    if (c === '\\') {
      const set = this.escape(false);
      return classToGbnf(set);
    }
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return classToGbnf([[cp, cp]]);
  }

  /** An escape (after `\`), as a set of code points. */
  private escape(inClass: boolean): Range[] {
    this.pos++;
    const e = this.peek();
    if (e === undefined) this.fail('trailing backslash');
    this.pos++;
    switch (e) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'n':
        return [[10, 10]];
      case 'r':
        return [[13, 13]];
      case 't':
        return [[9, 9]];
      case 'f':
        return [[12, 12]];
      case 'v':
        return [[11, 11]];
      case '0':
        return [[0, 0]];
      case 'x':
      case 'u': {
        const len = e === 'x' ? 2 : 4;
        const hex = this.src.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail(`bad \\${e} escape`);
        this.pos += len;
        const cp = Number.parseInt(hex, 16);
        return [[cp, cp]];
      }
      case 'b':
        if (inClass) return [[8, 8]];
        return this.fail('word boundaries cannot be expressed in a grammar');
      case 'B':
        return this.fail('word boundaries cannot be expressed in a grammar');
      default:
        if (/[1-9]/.test(e) || e === 'k') this.fail('backreferences cannot be expressed in a grammar');
        if (/[a-zA-Z]/.test(e)) this.fail(`unsupported escape \\${e}`);
        return [[e.codePointAt(0)!, e.codePointAt(0)!]];
    }
  }

  private charClass(): Range[] {
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const ranges: Range[] = [];
    while (this.peek() !== ']') {
      if (this.peek() === undefined) this.fail('unterminated character class');
      const lo = this.classAtom();
      const single = lo.length === 1 && lo[0][0] === lo[0][1];
      const next = this.src[this.pos + 1];
      if (this.peek() === '-' && next !== ']' && next !== undefined && single) {
        this.pos++;
        const hi = this.classAtom();
        if (hi.length !== 1 || hi[0][0] !== hi[0][1]) this.fail('bad range');
        if (hi[0][0] < lo[0][0]) this.fail('range out of order');
        ranges.push([lo[0][0], hi[0][0]]);
      } else ranges.push(...lo);
    }
    this.pos++; // ]
    return negated ? complement(ranges) : normalize(ranges);
  }

  private classAtom(): Range[] {
    if (this.peek() === '\\') return this.escape(true);
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return [[cp, cp]];
  }
}

/**
 * GBNF for the JSON string (quotes included, no trailing space) whose content matches `pattern`; `char` names
 * the rule for an arbitrary JSON string character (used for unanchored ends).
 */
export function patternToGbnf(pattern: string, char: string, path: string): string {
  const { body, anchoredStart, anchoredEnd } = new PatternParser(pattern, path).parse();
  const parts = ['"\\""'];
  if (!anchoredStart) parts.push(`${char}*`);
  parts.push(body);
  if (!anchoredEnd) parts.push(`${char}*`);
  parts.push('"\\""');
  return parts.join(' ');
}

/**
 * GBNF (llama.cpp's grammar format, grammars/README.md) → rules of grammar elements. The element encoding
 * follows llama.cpp's: a rule is a list of alternatives separated by ALT and closed by END; a terminal is a
 * CHAR / CHAR_NOT / CHAR_ANY element followed by CHAR_ALT and CHAR_RNG_UPPER modifiers. Repetitions (`*`, `+`,
 * `?`, `{m,n}`) and groups are rewritten into generated rules, exactly as llama.cpp rewrites them.
 */
import { GrammarSyntaxError } from '../errors.js';

export enum ElementType {
  End = 0,
  Alt = 1,
  RuleRef = 2,
  Char = 3,
  CharNot = 4,
  CharRangeUpper = 5,
  CharAlt = 6,
  CharAny = 7,
}

export interface Element {
  readonly type: ElementType;
  readonly value: number;
}

export interface ParsedGrammar {
  /** Rules by id; every rule ends with an End element. */
  readonly rules: readonly (readonly Element[])[];
  /** Rule names by id (generated rules are named `base_N`). */
  readonly names: readonly string[];
  readonly symbolIds: ReadonlyMap<string, number>;
}

/** Limit on repetition counts and on rules generated from nested repetitions (llama.cpp's value). */
const MAX_REPETITION = 2000;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isWordChar = (c: string | undefined) =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c === '-' || c === '_');

class Parser {
  private pos = 0;
  private readonly symbolIds = new Map<string, number>();
  private readonly rules: Element[][] = [];
  /** Where each symbol was first referenced (for "undefined rule" errors). */
  private readonly firstReference = new Map<number, number>();

  constructor(private readonly src: string) {}

  fail(detail: string, at = this.pos): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.src.length; i++) {
      if (this.src[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    const shown = this.src.slice(at, at + 20);
    const near = at >= this.src.length ? 'at end of input' : `near ${JSON.stringify(shown)}`;
    throw new GrammarSyntaxError(`${detail} ${near}`, line, at - lineStart + 1, at);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private skipSpace(newlineOk: boolean): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '#') {
        while (this.pos < s.length && s[this.pos] !== '\r' && s[this.pos] !== '\n') this.pos++;
      } else if (newlineOk && (c === '\r' || c === '\n')) this.pos++;
      else return;
    }
  }

  private parseName(): string {
    const start = this.pos;
    while (isWordChar(this.peek())) this.pos++;
    if (this.pos === start) this.fail('expected a rule name');
    return this.src.slice(start, this.pos);
  }

  private parseInt(): number {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (this.pos === start) this.fail('expected an integer');
    return Number(this.src.slice(start, this.pos));
  }

  private symbolId(name: string): number {
    let id = this.symbolIds.get(name);
    if (id === undefined) {
      id = this.symbolIds.size;
      this.symbolIds.set(name, id);
    }
    return id;
  }

  private generateSymbolId(base: string): number {
    const id = this.symbolIds.size;
    this.symbolIds.set(`${base}_${id}`, id);
    return id;
  }

  private parseHex(digits: number): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < digits; i++) {
      const c = this.src[this.pos];
      const d = c === undefined ? Number.NaN : Number.parseInt(c, 16);
      if (Number.isNaN(d)) this.fail(`expected ${digits} hex digits`, start);
      value = value * 16 + d;
      this.pos++;
    }
    return value;
  }

  /** One character of a literal or class, escapes included; returns its code point. */
  private parseChar(): number {
    const s = this.src;
    if (s[this.pos] === '\\') {
      const e = s[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case 'x':
          return this.parseHex(2);
        case 'u':
          return this.parseHex(4);
        case 'U':
          return this.parseHex(8);
        case 't':
          return 9;
        case 'r':
          return 13;
        case 'n':
          return 10;
        case '\\':
        case '"':
        case '[':
        case ']':
        case '-':
          return e.charCodeAt(0);
        default:
          this.fail(`unknown escape "\\${e ?? ''}"`, this.pos - 2);
      }
    }
    const cp = s.codePointAt(this.pos);
    if (cp === undefined) this.fail('unexpected end of input');
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  parse(): ParsedGrammar {
    this.skipSpace(true);
    while (this.pos < this.src.length) this.parseRule();
    for (const [name, id] of this.symbolIds) {
      if (!this.rules[id]) this.fail(`undefined rule "${name}"`, this.firstReference.get(id) ?? 0);
    }
    const names: string[] = [];
    for (const [name, id] of this.symbolIds) names[id] = name;
    return { rules: this.rules, names, symbolIds: this.symbolIds };
  }

  private parseRule(): void {
    const name = this.parseName();
    this.skipSpace(false);
    const id = this.symbolId(name);
    if (this.src.startsWith('::=', this.pos)) this.pos += 3;
    else this.fail('expected "::="');
    this.skipSpace(true);
    this.parseAlternates(name, id, false);
    const c = this.peek();
    if (c === '\r') this.pos += this.src[this.pos + 1] === '\n' ? 2 : 1;
    else if (c === '\n') this.pos++;
    else if (c !== undefined) this.fail('expected a newline or the end of the grammar');
    this.skipSpace(true);
  }

  private parseAlternates(ruleName: string, ruleId: number, nested: boolean): void {
    const rule: Element[] = [];
    this.parseSequence(ruleName, rule, nested);
    while (this.peek() === '|') {
      rule.push({ type: ElementType.Alt, value: 0 });
      this.pos++;
      this.skipSpace(true);
      this.parseSequence(ruleName, rule, nested);
    }
    rule.push({ type: ElementType.End, value: 0 });
    this.rules[ruleId] = rule;
  }

  private parseSequence(ruleName: string, rule: Element[], nested: boolean): void {
    let lastSymStart = rule.length;
    let prevRules = 1;

    const repeat = (min: number, max: number, at: number) => {
      const unbounded = max === Number.POSITIVE_INFINITY;
      if (lastSymStart === rule.length) this.fail('expected an item before the repetition operator', at);
      const prev = rule.slice(lastSymStart);
      const total = !unbounded && max > 0 ? max : min > 0 ? min : 1;
      if (prevRules * total >= MAX_REPETITION) {
        this.fail('this repetition generates too many rules; reduce the counts or the nesting', at);
      }
      // S{m,n} → S repeated m times, then n-m nested optional rules: S'(x) ::= S S'(x-1) |
      // S{m,}  → S repeated m times, then S' ::= S S' |
      if (min === 0) rule.length = lastSymStart;
      else for (let i = 1; i < min; i++) rule.push(...prev);
      let lastRecId = 0;
      const nOpt = unbounded ? 1 : max - min;
      for (let i = 0; i < nOpt; i++) {
        const recId = this.generateSymbolId(ruleName);
        const rec: Element[] = [...prev];
        if (i > 0 || unbounded) rec.push({ type: ElementType.RuleRef, value: unbounded ? recId : lastRecId });
        rec.push({ type: ElementType.Alt, value: 0 }, { type: ElementType.End, value: 0 });
        this.rules[recId] = rec;
        lastRecId = recId;
      }
      if (nOpt > 0) rule.push({ type: ElementType.RuleRef, value: lastRecId });
      prevRules *= total;
    };

    for (;;) {
      const c = this.peek();
      const at = this.pos;
      if (c === '"') {
        this.pos++;
        lastSymStart = rule.length;
        prevRules = 1;
        while (this.peek() !== '"') {
          if (this.peek() === undefined) this.fail('unterminated string literal', at);
          rule.push({ type: ElementType.Char, value: this.parseChar() });
        }
        this.pos++;
        this.skipSpace(nested);
      } else if (c === '[') {
        this.pos++;
        let startType = ElementType.Char;
        if (this.peek() === '^') {
          this.pos++;
          startType = ElementType.CharNot;
        }
        lastSymStart = rule.length;
        prevRules = 1;
        while (this.peek() !== ']') {
          if (this.peek() === undefined) this.fail('unterminated character class', at);
          const first = this.parseChar();
          rule.push({ type: lastSymStart < rule.length ? ElementType.CharAlt : startType, value: first });
          if (this.peek() === '-' && this.src[this.pos + 1] !== ']') {
            this.pos++;
            if (this.peek() === undefined) this.fail('unterminated character range', at);
            rule.push({ type: ElementType.CharRangeUpper, value: this.parseChar() });
          }
        }
        if (rule.length === lastSymStart) this.fail('empty character class', at);
        this.pos++;
        this.skipSpace(nested);
      } else if (isWordChar(c)) {
        const name = this.parseName();
        const id = this.symbolId(name);
        if (!this.firstReference.has(id)) this.firstReference.set(id, at);
        this.skipSpace(nested);
        lastSymStart = rule.length;
        prevRules = 1;
        rule.push({ type: ElementType.RuleRef, value: id });
      } else if (c === '(') {
        this.pos++;
        this.skipSpace(true);
        const before = this.symbolIds.size;
        const subId = this.generateSymbolId(ruleName);
        this.parseAlternates(ruleName, subId, true);
        prevRules = Math.max(1, this.symbolIds.size - before);
        lastSymStart = rule.length;
        rule.push({ type: ElementType.RuleRef, value: subId });
        if (this.peek() !== ')') this.fail('expected ")" to close the group opened', at);
        this.pos++;
        this.skipSpace(nested);
      } else if (c === '.') {
        this.pos++;
        lastSymStart = rule.length;
        prevRules = 1;
        rule.push({ type: ElementType.CharAny, value: 0 });
        this.skipSpace(nested);
      } else if (c === '*' || c === '+' || c === '?') {
        this.pos++;
        this.skipSpace(nested);
        if (c === '*') repeat(0, Number.POSITIVE_INFINITY, at);
        else if (c === '+') repeat(1, Number.POSITIVE_INFINITY, at);
        else repeat(0, 1, at);
      } else if (c === '{') {
        this.pos++;
        this.skipSpace(nested);
        if (!isDigit(this.peek())) this.fail('expected an integer after "{"');
        const min = this.parseInt();
        this.skipSpace(nested);
        let max = Number.POSITIVE_INFINITY;
        if (this.peek() === '}') {
          max = min;
          this.pos++;
          this.skipSpace(nested);
        } else if (this.peek() === ',') {
          this.pos++;
          this.skipSpace(nested);
          if (isDigit(this.peek())) {
            max = this.parseInt();
            this.skipSpace(nested);
          }
          if (this.peek() !== '}') this.fail('expected "}"');
          this.pos++;
          this.skipSpace(nested);
        } else {
          this.fail('expected "," or "}" in a repetition count');
        }
        if (min > MAX_REPETITION) this.fail(`repetition count ${min} exceeds ${MAX_REPETITION}`, at);
        if (max !== Number.POSITIVE_INFINITY && max > MAX_REPETITION) max = Number.POSITIVE_INFINITY;
        if (max < min) this.fail(`repetition maximum ${max} is below the minimum ${min}`, at);
        repeat(min, max, at);
      } else if (c === '<' || c === '!') {
        this.fail('token references (<[id]>, <token>) are not supported; write the text instead');
      } else {
        return;
      }
    }
  }
}

/**
 * Parses GBNF text.
 * @throws GrammarSyntaxError with the 1-based line and column of the problem.
 */
export function parseGbnf(text: string): ParsedGrammar {
  return new Parser(text).parse();
}

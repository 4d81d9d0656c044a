/**
 * The grammar as a lazily built automaton over code points.
 *
 * A *stack* is llama.cpp's pushdown stack: the element to match next on top, continuations below. Stacks are
 * interned as linked nodes (`node = (position, parent node)`; node 0 is the empty stack = the grammar is
 * complete), so equal stacks are equal numbers and share structure. A *state* is an interned, sorted set of
 * stacks whose tops are terminals (llama.cpp's `stacks` after `advance_stack`); state 0 is dead (no stack).
 * Transitions `state × code point → state` are computed on first use and cached (a table for ASCII, a map
 * otherwise), so repeated positions in a generation (inside a JSON string, say) cost one array read per byte.
 */
import { GrammarError } from '../errors.js';
import { type Element, ElementType, type ParsedGrammar } from './gbnf-parser.js';

/** A character class: sorted inclusive ranges, maybe negated; `ascii[c]` answers code points below 128. */
interface Terminal {
  readonly ranges: Uint32Array;
  readonly negated: boolean;
  readonly any: boolean;
  readonly ascii: Uint8Array;
  /** Position of the element after the class. */
  readonly next: number;
}

export const DEAD_STATE = 0;
export const EMPTY_STACK = 0;

function isEnd(t: ElementType): boolean {
  return t === ElementType.End || t === ElementType.Alt;
}

/** llama.cpp's left-recursion check (a rule that can reach itself without consuming input loops forever). */
function detectLeftRecursion(rules: readonly (readonly Element[])[], names: readonly string[]): void {
  const visited = new Array<boolean>(rules.length).fill(false);
  const inProgress = new Array<boolean>(rules.length).fill(false);
  const mayBeEmpty = new Array<boolean>(rules.length).fill(false);
  const visit = (r: number): boolean => {
    if (inProgress[r]) return true;
    inProgress[r] = true;
    const rule = rules[r];
    let atStart = true;
    for (const e of rule) {
      if (isEnd(e.type)) {
        if (atStart) {
          mayBeEmpty[r] = true;
          break;
        }
        atStart = true;
      } else atStart = false;
    }
    let recurse = true;
    for (const e of rule) {
      if (e.type === ElementType.RuleRef && recurse) {
        if (visit(e.value)) return true;
        if (!mayBeEmpty[e.value]) recurse = false;
      } else if (isEnd(e.type)) recurse = true;
      else recurse = false;
    }
    inProgress[r] = false;
    visited[r] = true;
    return false;
  };
  for (let r = 0; r < rules.length; r++) {
    if (!visited[r] && visit(r)) {
      throw new GrammarError(
        `The grammar is left-recursive at rule "${names[r]}" (it can reach itself without consuming input); ` +
          'rewrite it with repetition (x ::= y+) instead.',
      );
    }
  }
}

export class GrammarAutomaton {
  private readonly types: Uint8Array;
  private readonly values: Uint32Array;
  private readonly ruleStart: Int32Array;
  private readonly terminalAt: Int32Array;
  private readonly terminals: Terminal[] = [];

  // Stack nodes: position and parent; interned by key parent * 2^21 + position.
  private nodePos = new Int32Array(1024);
  private nodeParent = new Int32Array(1024);
  private nodeCount = 1;
  private readonly nodeIds = new Map<number, number>();
  private readonly expansions: (Int32Array | undefined)[] = [];

  // States: sorted stack lists, interned by their text key.
  private readonly stateStacks: Int32Array[] = [new Int32Array(0)];
  private readonly stateIds = new Map<string, number>([['', DEAD_STATE]]);
  private stateAccepting = new Uint8Array(1024);
  private asciiNext = new Int32Array(128 * 1024).fill(-1);
  private readonly otherNext: (Map<number, number> | undefined)[] = [];
  private readonly partialOk: (Map<number, boolean> | undefined)[] = [];

  /** The state before any input. */
  readonly initialState: number;

  constructor(
    parsed: ParsedGrammar,
    readonly rootName = 'root',
  ) {
    const rootId = parsed.symbolIds.get(rootName);
    if (rootId === undefined) throw new GrammarError(`The grammar has no "${rootName}" rule.`);
    detectLeftRecursion(parsed.rules, parsed.names);
    const total = parsed.rules.reduce((n, r) => n + r.length, 0);
    this.types = new Uint8Array(total);
    this.values = new Uint32Array(total);
    this.ruleStart = new Int32Array(parsed.rules.length);
    let at = 0;
    parsed.rules.forEach((rule, id) => {
      this.ruleStart[id] = at;
      for (const e of rule) {
        this.types[at] = e.type;
        this.values[at] = e.value;
        at++;
      }
    });
    // Rule references point at rule ids; resolve them to positions.
    for (let p = 0; p < total; p++)
      if (this.types[p] === ElementType.RuleRef) this.values[p] = this.ruleStart[this.values[p]];
    this.terminalAt = new Int32Array(total).fill(-1);
    for (let p = 0; p < total; p++) {
      const t = this.types[p];
      if (t === ElementType.Char || t === ElementType.CharNot || t === ElementType.CharAny) {
        this.terminalAt[p] = this.terminals.length;
        this.terminals.push(this.buildTerminal(p));
      }
    }
    const initial: number[] = [];
    for (const alt of this.alternatives(this.ruleStart[rootId])) {
      const node = isEnd(this.types[alt]) ? EMPTY_STACK : this.intern(alt, EMPTY_STACK);
      for (const s of this.expand(node)) initial.push(s);
    }
    this.initialState = this.internState(initial);
  }

  private buildTerminal(p: number): Terminal {
    const first = this.types[p];
    const negated = first === ElementType.CharNot;
    let any = false;
    const ranges: number[] = [];
    let q = p;
    do {
      if (this.types[q] === ElementType.CharAny) {
        any = true;
        q++;
      } else if (this.types[q + 1] === ElementType.CharRangeUpper) {
        ranges.push(this.values[q], this.values[q + 1]);
        q += 2;
      } else {
        ranges.push(this.values[q], this.values[q]);
        q++;
      }
    } while (this.types[q] === ElementType.CharAlt);
    // Sort and merge ranges for binary search.
    const pairs: [number, number][] = [];
    for (let i = 0; i < ranges.length; i += 2) if (ranges[i] <= ranges[i + 1]) pairs.push([ranges[i], ranges[i + 1]]);
    pairs.sort((a, b) => a[0] - b[0]);
    const merged: number[] = [];
    for (const [lo, hi] of pairs) {
      const n = merged.length;
      if (n > 0 && lo <= merged[n - 1] + 1) merged[n - 1] = Math.max(merged[n - 1], hi);
      else merged.push(lo, hi);
    }
    const r = Uint32Array.from(merged);
    const ascii = new Uint8Array(128);
    for (let c = 0; c < 128; c++) ascii[c] = matchRanges(r, negated, any, c) ? 1 : 0;
    return { ranges: r, negated, any, ascii, next: q };
  }

  /** Start positions of the alternatives of the rule starting at `start`. */
  private *alternatives(start: number): Generator<number> {
    let p = start;
    for (;;) {
      yield p;
      while (!isEnd(this.types[p])) p++;
      if (this.types[p] === ElementType.Alt) p++;
      else return;
    }
  }

  private intern(pos: number, parent: number): number {
    const key = parent * 2097152 + pos;
    let id = this.nodeIds.get(key);
    if (id === undefined) {
      id = this.nodeCount++;
      if (id >= this.nodePos.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        this.nodePos = grow(this.nodePos);
        this.nodeParent = grow(this.nodeParent);
      }
      this.nodePos[id] = pos;
      this.nodeParent[id] = parent;
      this.nodeIds.set(key, id);
    }
    return id;
  }

  /**
   * All stacks with a terminal (or nothing) on top that `node` can become without consuming input
   * (llama.cpp's `advance_stack`), memoised per node.
   */
  private expand(node: number): Int32Array {
    const hit = this.expansions[node];
    if (hit) return hit;
    const out = new Set<number>();
    const seen = new Set<number>();
    const todo = [node];
    while (todo.length > 0) {
      const n = todo.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      if (n === EMPTY_STACK) {
        out.add(n);
        continue;
      }
      const pos = this.nodePos[n];
      if (this.types[pos] !== ElementType.RuleRef) {
        out.add(n);
        continue;
      }
      const parent = this.nodeParent[n];
      const cont = isEnd(this.types[pos + 1]) ? parent : this.intern(pos + 1, parent);
      for (const alt of this.alternatives(this.values[pos])) {
        todo.push(isEnd(this.types[alt]) ? cont : this.intern(alt, cont));
      }
    }
    const result = Int32Array.from(out).sort();
    this.expansions[node] = result;
    return result;
  }

  private internState(stacks: Iterable<number>): number {
    const sorted = Int32Array.from(new Set(stacks)).sort();
    const key = sorted.join(',');
    let id = this.stateIds.get(key);
    if (id !== undefined) return id;
    id = this.stateStacks.length;
    this.stateStacks.push(sorted);
    this.stateIds.set(key, id);
    if (id >= this.stateAccepting.length) {
      const acc = new Uint8Array(this.stateAccepting.length * 2);
      acc.set(this.stateAccepting);
      this.stateAccepting = acc;
      const next = new Int32Array(this.asciiNext.length * 2).fill(-1);
      next.set(this.asciiNext);
      this.asciiNext = next;
    }
    this.stateAccepting[id] = sorted[0] === EMPTY_STACK ? 1 : 0;
    return id;
  }

  /** Number of states built so far (for diagnostics and benchmarks). */
  get stateCount(): number {
    return this.stateStacks.length;
  }

  /** Whether the grammar may end in this state (some stack is empty). */
  accepting(state: number): boolean {
    return this.stateAccepting[state] === 1;
  }

  /** Whether the grammar must end here: the only stack is the empty one. */
  complete(state: number): boolean {
    const s = this.stateStacks[state];
    return s.length === 1 && s[0] === EMPTY_STACK;
  }

  /** The state after reading code point `cp` (DEAD_STATE when no stack accepts it). */
  step(state: number, cp: number): number {
    if (cp < 128) {
      const slot = state * 128 + cp;
      const cached = this.asciiNext[slot];
      if (cached >= 0) return cached;
      const next = this.computeStep(state, cp);
      this.asciiNext[slot] = next;
      return next;
    }
    let map = this.otherNext[state];
    if (!map) {
      map = new Map();
      this.otherNext[state] = map;
    }
    let next = map.get(cp);
    if (next === undefined) {
      next = this.computeStep(state, cp);
      map.set(cp, next);
    }
    return next;
  }

  private computeStep(state: number, cp: number): number {
    if (state === DEAD_STATE) return DEAD_STATE;
    const out: number[] = [];
    for (const node of this.stateStacks[state]) {
      if (node === EMPTY_STACK) continue;
      const pos = this.nodePos[node];
      const t = this.terminals[this.terminalAt[pos]];
      if (!(cp < 128 ? t.ascii[cp] === 1 : matchRanges(t.ranges, t.negated, t.any, cp))) continue;
      const parent = this.nodeParent[node];
      const base = isEnd(this.types[t.next]) ? parent : this.intern(t.next, parent);
      for (const s of this.expand(base)) out.push(s);
    }
    return out.length === 0 ? DEAD_STATE : this.internState(out);
  }

  /**
   * Whether some completion of a partial UTF-8 sequence (`value` bits so far, `remain` continuation bytes
   * missing) could be read in this state (llama.cpp's `match_partial_char`).
   */
  partialMatches(state: number, value: number, remain: number): boolean {
    let map = this.partialOk[state];
    if (!map) {
      map = new Map();
      this.partialOk[state] = map;
    }
    const key = value * 4 + remain;
    let ok = map.get(key);
    if (ok === undefined) {
      ok = this.computePartial(state, value, remain);
      map.set(key, ok);
    }
    return ok;
  }

  private computePartial(state: number, value: number, remain: number): boolean {
    // A 2-byte sequence starting C0/C1 would be an overlong encoding of ASCII.
    if (remain < 0 || (remain === 1 && value < 2)) return false;
    let low = value * 2 ** (remain * 6);
    const high = low + 2 ** (remain * 6) - 1;
    if (low === 0) {
      if (remain === 2) low = 1 << 11;
      else if (remain === 3) low = 1 << 16;
    }
    for (const node of this.stateStacks[state]) {
      if (node === EMPTY_STACK) continue;
      const t = this.terminals[this.terminalAt[this.nodePos[node]]];
      if (t.any) return true;
      let overlaps = false;
      let covers = false;
      for (let i = 0; i < t.ranges.length; i += 2) {
        if (t.ranges[i] <= high && low <= t.ranges[i + 1]) overlaps = true;
        if (t.ranges[i] <= low && high <= t.ranges[i + 1]) covers = true;
      }
      // Positive class: some value in [low, high] is in a range. Negated: some value is outside all ranges.
      if (t.negated ? !covers : overlaps) return true;
    }
    return false;
  }
}

function matchRanges(ranges: Uint32Array, negated: boolean, any: boolean, cp: number): boolean {
  if (any) return true;
  let lo = 0;
  let hi = (ranges.length >> 1) - 1;
  let found = false;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < ranges[2 * mid]) hi = mid - 1;
    else if (cp > ranges[2 * mid + 1]) lo = mid + 1;
    else {
      found = true;
      break;
    }
  }
  return found !== negated;
}

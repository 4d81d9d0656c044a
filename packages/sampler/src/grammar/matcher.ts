/**
 * Where a constrained generation stands in its grammar, and which tokens may come next.
 *
 * The position is an automaton state plus an unfinished UTF-8 character (a token can end inside one; the
 * next token must complete it). `mask()` walks the token trie from that position, decoding UTF-8 byte by
 * byte and skipping every subtree whose prefix the grammar rejects, so the work is proportional to the
 * acceptable prefixes rather than to the vocabulary. Masks are cached per position, so positions that recur
 * (inside strings, between array items) are answered without a walk.
 */
import { GrammarRejectedTokenError } from '../errors.js';
import { DEAD_STATE, type GrammarAutomaton } from './automaton.js';
import type { PreparedVocab } from './vocab.js';

/** Bitset over token ids: bit `id` set ⇔ the token is allowed. */
export type TokenMask = Uint32Array;

/** Cached masks per position, least recently used dropped first. */
export class MaskCache {
  private readonly map = new Map<number, TokenMask>();
  constructor(readonly limit: number) {}
  get(key: number): TokenMask | undefined {
    const m = this.map.get(key);
    if (m) {
      this.map.delete(key);
      this.map.set(key, m);
    }
    return m;
  }
  set(key: number, mask: TokenMask): void {
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value as number);
    this.map.set(key, mask);
  }
  get size(): number {
    return this.map.size;
  }
}

/** Result of feeding bytes: packed as (state, value, remain); state DEAD_STATE when rejected. */
interface Position {
  state: number;
  value: number;
  remain: number;
}

export class GrammarMatcher {
  private state: number;
  private value = 0;
  private remain = 0;
  private readonly scratch: Position = { state: 0, value: 0, remain: 0 };
  /** Masks computed by walking the trie (not served from the cache); for benchmarks. */
  walks = 0;

  constructor(
    private readonly automaton: GrammarAutomaton,
    private readonly vocab: PreparedVocab,
    private readonly cache: MaskCache,
  ) {
    this.state = automaton.initialState;
  }

  /** Back to the start of the grammar. */
  reset(): void {
    this.state = this.automaton.initialState;
    this.value = 0;
    this.remain = 0;
  }

  /** An independent matcher at the same position (sharing caches). */
  clone(): GrammarMatcher {
    const m = new GrammarMatcher(this.automaton, this.vocab, this.cache);
    m.state = this.state;
    m.value = this.value;
    m.remain = this.remain;
    return m;
  }

  /** The output so far is a complete string of the grammar (an end-of-generation token is allowed). */
  canEnd(): boolean {
    return this.remain === 0 && this.automaton.accepting(this.state);
  }

  /** Nothing but the end can follow. */
  isComplete(): boolean {
    return this.remain === 0 && this.automaton.complete(this.state);
  }

  /** Feeds bytes from the current position into `out`; returns false (and stops) once rejected. */
  private feed(bytes: Uint8Array, out: Position): boolean {
    const a = this.automaton;
    let s = this.state;
    let v = this.value;
    let r = this.remain;
    for (let k = 0; k < bytes.length; k++) {
      const b = bytes[k];
      if (r > 0) {
        if ((b & 0xc0) !== 0x80) return false;
        v = (v << 6) | (b & 0x3f);
        r--;
        if (r === 0) {
          s = a.step(s, v);
          v = 0;
        } else if (!a.partialMatches(s, v, r)) return false;
      } else if (b < 0x80) {
        if (b === 0) return false;
        s = a.step(s, b);
      } else {
        const lead = leadByte(b);
        if (lead < 0) return false;
        v = b & (0x3f >> lead);
        r = lead;
        if (!a.partialMatches(s, v, r)) return false;
      }
      if (s === DEAD_STATE) return false;
    }
    out.state = s;
    out.value = v;
    out.remain = r;
    return true;
  }

  /** Whether `token` may come next. */
  allows(token: number): boolean {
    if (this.vocab.isEog[token]) return this.canEnd();
    const piece = this.vocab.pieces[token];
    if (!piece || piece.length === 0) return false;
    return this.feed(piece, this.scratch);
  }

  /**
   * Moves past `token`.
   * @throws GrammarRejectedTokenError when the grammar does not allow it.
   */
  accept(token: number): void {
    if (this.vocab.isEog[token]) {
      if (!this.canEnd()) this.reject(token);
      return;
    }
    const piece = this.vocab.pieces[token];
    if (!piece || piece.length === 0 || !this.feed(piece, this.scratch)) this.reject(token);
    this.state = this.scratch.state;
    this.value = this.scratch.value;
    this.remain = this.scratch.remain;
  }

  /** Moves past literal text (e.g. a prefix the caller forced into the output). */
  acceptText(text: string): boolean {
    if (!this.feed(new TextEncoder().encode(text), this.scratch)) return false;
    this.state = this.scratch.state;
    this.value = this.scratch.value;
    this.remain = this.scratch.remain;
    return true;
  }

  private reject(token: number): never {
    throw new GrammarRejectedTokenError(token, new TextDecoder().decode(this.vocab.pieces[token] ?? new Uint8Array(0)));
  }

  /** The allowed tokens at this position (cached per position; do not modify the result). */
  mask(): TokenMask {
    const key = this.state * 67108864 + this.value * 4 + this.remain;
    let m = this.cache.get(key);
    if (!m) {
      m = this.walk();
      this.cache.set(key, m);
    }
    return m;
  }

  private walk(): TokenMask {
    this.walks++;
    const a = this.automaton;
    const trie = this.vocab.trie();
    const { label, depth, end, tokenStart, tokenIds } = trie;
    const bits = new Uint32Array((this.vocab.size + 31) >>> 5);
    const n = trie.nodeCount;
    const stState = new Int32Array(trie.maxDepth + 1);
    const stValue = new Int32Array(trie.maxDepth + 1);
    const stRemain = new Int8Array(trie.maxDepth + 1);
    stState[0] = this.state;
    stValue[0] = this.value;
    stRemain[0] = this.remain;
    let i = 0;
    while (i < n) {
      const d = depth[i];
      const b = label[i];
      const s = stState[d - 1];
      const r = stRemain[d - 1];
      let ns: number;
      let nv = 0;
      let nr = 0;
      if (r > 0) {
        if ((b & 0xc0) !== 0x80) {
          i = end[i];
          continue;
        }
        nv = (stValue[d - 1] << 6) | (b & 0x3f);
        nr = r - 1;
        if (nr === 0) {
          ns = a.step(s, nv);
          nv = 0;
        } else ns = a.partialMatches(s, nv, nr) ? s : DEAD_STATE;
      } else if (b < 0x80) {
        ns = b === 0 ? DEAD_STATE : a.step(s, b);
      } else {
        const lead = leadByte(b);
        if (lead < 0) ns = DEAD_STATE;
        else {
          nv = b & (0x3f >> lead);
          nr = lead;
          ns = a.partialMatches(s, nv, nr) ? s : DEAD_STATE;
        }
      }
      if (ns === DEAD_STATE) {
        i = end[i];
        continue;
      }
      stState[d] = ns;
      stValue[d] = nv;
      stRemain[d] = nr;
      for (let k = tokenStart[i], e = tokenStart[i + 1]; k < e; k++) {
        const t = tokenIds[k];
        bits[t >>> 5] |= 1 << (t & 31);
      }
      i++;
    }
    if (this.canEnd()) for (const t of this.vocab.eog) bits[t >>> 5] |= 1 << (t & 31);
    return bits;
  }
}

/** Continuation bytes a UTF-8 lead byte announces (1-3), or -1 for a byte that cannot start a character. */
function leadByte(b: number): number {
  if (b < 0xc0) return -1;
  if (b < 0xe0) return 1;
  if (b < 0xf0) return 2;
  if (b < 0xf8) return 3;
  return -1;
}

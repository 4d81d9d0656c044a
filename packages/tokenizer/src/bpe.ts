/**
 * Byte-level BPE as llama.cpp's `llm_tokenizer_bpe_session`: each pre-tokenized word becomes one symbol per
 * UTF-8 byte (the byte's GPT-2 character), then the adjacent pair with the lowest merge rank is merged,
 * repeatedly, the leftmost pair first among equal ranks.
 *
 * Symbols are numbers, not strings: a token's id, or for a string that merges produce but the vocabulary
 * lacks, an id past the vocabulary. Merge ranks live in an open-addressing table keyed by the pair of
 * symbols, so a merge step costs one probe and no string work.
 */
import { PairHeap } from './pair-heap.js';

/** GPT-2's byte → character table: printable bytes map to themselves, the rest to U+0100 and up. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + n++);
  }
  return table;
})();

/** The inverse of `BYTE_TO_CHAR`, by character code (-1: not a byte character). */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x200).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => {
    table[c.charCodeAt(0)] = b;
  });
  return table;
})();

/** Maps raw bytes to their byte-level text (one character per byte). */
export function byteLevelText(bytes: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += BYTE_TO_CHAR[bytes[i]];
  return s;
}

/** Words up to this many bytes merge by rescanning a short array; longer ones use a heap. */
const SHORT_WORD = 48;
const NO_RANK = 0x7fffffff;

export class BpeModel {
  /** Texts of symbols past the vocabulary (strings merges produce that are not tokens). */
  private readonly extraText: string[] = [];
  private readonly byteSymbol = new Int32Array(256);
  private readonly nTokens: number;
  // merge table: (left, right) → rank and merged symbol; keyLeft -1 marks an empty slot
  private readonly bits: number;
  private readonly keyLeft: Int32Array;
  private readonly keyRight: Int32Array;
  private readonly rankOf: Int32Array;
  private readonly mergedOf: Int32Array;
  // scratch
  private sym = new Int32Array(256);
  private rank = new Int32Array(256);
  private merged = new Int32Array(256);
  private readonly heap = new PairHeap();

  constructor(
    private readonly idOf: ReadonlyMap<string, number>,
    nTokens: number,
    merges: readonly string[],
  ) {
    this.nTokens = nTokens;
    const extra = new Map<string, number>();
    const symbolOf = (text: string): number => {
      const id = idOf.get(text);
      if (id !== undefined) return id;
      let s = extra.get(text);
      if (s === undefined) {
        s = nTokens + this.extraText.length;
        extra.set(text, s);
        this.extraText.push(text);
      }
      return s;
    };
    for (let b = 0; b < 256; b++) this.byteSymbol[b] = symbolOf(BYTE_TO_CHAR[b]);
    let bits = 4;
    while (1 << bits < merges.length * 2) bits++;
    this.bits = bits;
    this.keyLeft = new Int32Array(1 << bits).fill(-1);
    this.keyRight = new Int32Array(1 << bits);
    this.rankOf = new Int32Array(1 << bits);
    this.mergedOf = new Int32Array(1 << bits);
    for (let i = 0; i < merges.length; i++) {
      // As llama.cpp: the pair splits at the first space after the first character.
      const m = merges[i];
      const sp = m.indexOf(' ', 1);
      if (sp < 0) continue;
      const a = m.slice(0, sp);
      const b = m.slice(sp + 1);
      if (b === '') continue;
      this.insert(symbolOf(a), symbolOf(b), i, symbolOf(a + b));
    }
  }

  private slot(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) >>> (32 - this.bits);
  }

  private insert(left: number, right: number, rank: number, merged: number): void {
    const mask = (1 << this.bits) - 1;
    for (let s = this.slot(left, right); ; s = (s + 1) & mask) {
      if (this.keyLeft[s] === -1) {
        this.keyLeft[s] = left;
        this.keyRight[s] = right;
        this.rankOf[s] = rank;
        this.mergedOf[s] = merged;
        return;
      }
      if (this.keyLeft[s] === left && this.keyRight[s] === right) return; // the first rank wins
    }
  }

  /** The slot of a merge, or -1. */
  private find(left: number, right: number): number {
    const mask = (1 << this.bits) - 1;
    for (let s = this.slot(left, right); ; s = (s + 1) & mask) {
      const k = this.keyLeft[s];
      if (k === -1) return -1;
      if (k === left && this.keyRight[s] === right) return s;
    }
  }

  /** Tokenizes the UTF-8 bytes of one word, appending ids to `out`. */
  encodeWord(bytes: Uint8Array, n: number, out: number[]): void {
    if (n === 0) return;
    if (this.sym.length < n) {
      this.sym = new Int32Array(n);
      this.rank = new Int32Array(n);
      this.merged = new Int32Array(n);
    }
    const sym = this.sym;
    for (let i = 0; i < n; i++) sym[i] = this.byteSymbol[bytes[i]];
    const count = n <= SHORT_WORD ? this.mergeShort(n) : this.mergeLong(n);
    for (let i = 0; i < count; i++) this.emit(sym[i], out);
  }

  /** Merges `sym[0, n)` in place by rescanning; returns the number of symbols left. */
  private mergeShort(n: number): number {
    const sym = this.sym;
    const rank = this.rank;
    const merged = this.merged;
    const setPair = (i: number) => {
      const s = this.find(sym[i], sym[i + 1]);
      rank[i] = s < 0 ? NO_RANK : this.rankOf[s];
      merged[i] = s < 0 ? 0 : this.mergedOf[s];
    };
    for (let i = 0; i + 1 < n; i++) setPair(i);
    let len = n;
    while (len > 1) {
      let best = -1;
      let bestRank = NO_RANK;
      for (let i = 0; i + 1 < len; i++) {
        if (rank[i] < bestRank) {
          bestRank = rank[i];
          best = i;
        }
      }
      if (best < 0) break;
      sym[best] = merged[best];
      for (let i = best + 1; i + 1 < len; i++) {
        sym[i] = sym[i + 1];
        rank[i] = rank[i + 1];
        merged[i] = merged[i + 1];
      }
      len--;
      if (best > 0) setPair(best - 1);
      if (best + 1 < len) setPair(best);
    }
    return len;
  }

  /** Merges `sym[0, n)` with a heap over a linked list (llama.cpp's algorithm); compacts the result. */
  private mergeLong(n: number): number {
    const sym = this.sym;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const heap = this.heap;
    heap.clear();
    const add = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const s = this.find(sym[left], sym[right]);
      if (s >= 0) heap.push(this.rankOf[s], left, right, sym[left], sym[right]);
    };
    for (let i = 0; i + 1 < n; i++) add(i, i + 1);
    while (heap.pop()) {
      const { left, right } = heap;
      // stale: one side was merged away or has changed since this pair was queued
      if (sym[left] !== heap.a || sym[right] !== heap.b || next[left] !== right) continue;
      sym[left] = this.mergedOf[this.find(heap.a, heap.b)];
      sym[right] = -1;
      const after = next[right];
      next[left] = after;
      if (after >= 0) prev[after] = left;
      next[right] = -1;
      add(prev[left], left);
      add(left, after);
    }
    let k = 0;
    for (let i = 0; i !== -1; i = next[i]) sym[k++] = sym[i];
    return k;
  }

  /** A final symbol's token; a symbol that is no token yields its ASCII characters that are tokens. */
  private emit(symbol: number, out: number[]): void {
    if (symbol < this.nTokens) {
      out.push(symbol);
      return;
    }
    const text = this.extraText[symbol - this.nTokens];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x80) continue; // llama.cpp looks up single bytes; only ASCII can match
      const id = this.idOf.get(text[i]);
      if (id !== undefined) out.push(id);
    }
  }
}

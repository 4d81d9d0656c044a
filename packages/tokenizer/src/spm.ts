/**
 * SentencePiece-style tokenization as llama.cpp's `llm_tokenizer_spm_session`: the text (spaces already
 * replaced by `▁`) is split into code points, then the adjacent pair whose concatenation is a token with
 * the highest score is merged, repeatedly (the leftmost pair first among equal scores). A code point that
 * ends up in no token becomes its UTF-8 bytes as `<0xNN>` byte tokens.
 *
 * llama.cpp merges over a whole text fragment. Cutting the text before each `▁` that follows another
 * character gives the same result whenever no token spans such a cut (no token contains that character
 * followed by `▁`): merges on the two sides never interact. The cut pieces ("words") repeat, so their
 * tokens are cached.
 */
import { PairHeap } from './pair-heap.js';

const SPACE_MARK = 0x2581; // ▁
const SHORT_WORD = 32;
const CACHE_LIMIT = 1 << 16;
const CACHE_MAX_WORD = 256;
const utf8 = new TextEncoder();

export class SpmModel {
  /** Code units X such that some token contains X followed by `▁`: never cut after them. */
  private readonly noCutAfter = new Set<number>();
  private readonly cache = new Map<string, Int32Array>();
  private readonly heap = new PairHeap();

  constructor(
    private readonly idOf: ReadonlyMap<string, number>,
    private readonly scores: ArrayLike<number> | undefined,
    /** Token of each byte, for code points that are no token (-1: none). */
    private readonly byteToken: Int32Array,
  ) {
    for (const text of idOf.keys()) {
      for (let i = text.indexOf('▁', 1); i > 0; i = text.indexOf('▁', i + 1)) {
        const before = text.charCodeAt(i - 1);
        if (before !== SPACE_MARK) this.noCutAfter.add(before);
      }
    }
  }

  /** Tokenizes escaped text, appending ids to `out`. */
  encode(text: string, out: number[]): void {
    let start = 0;
    for (let i = 1; i < text.length; i++) {
      if (text.charCodeAt(i) !== SPACE_MARK) continue;
      const before = text.charCodeAt(i - 1);
      if (before === SPACE_MARK || this.noCutAfter.has(before)) continue;
      this.encodeWord(text, start, i, out);
      start = i;
    }
    this.encodeWord(text, start, text.length, out);
  }

  private encodeWord(text: string, start: number, end: number, out: number[]): void {
    if (end - start > CACHE_MAX_WORD) {
      this.merge(text.slice(start, end), out);
      return;
    }
    const word = text.slice(start, end);
    let ids = this.cache.get(word);
    if (!ids) {
      const list: number[] = [];
      this.merge(word, list);
      ids = Int32Array.from(list);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  /** The merge of one word: symbols are code points, as `[start, length]` in UTF-16 units. */
  private merge(word: string, out: number[]): void {
    const starts: number[] = [];
    const lens: number[] = [];
    for (let i = 0; i < word.length; ) {
      const c = word.charCodeAt(i);
      const n = c >= 0xd800 && c < 0xdc00 && i + 1 < word.length ? 2 : 1;
      starts.push(i);
      lens.push(n);
      i += n;
    }
    const count =
      starts.length <= SHORT_WORD ? this.mergeShort(word, starts, lens) : this.mergeLong(word, starts, lens);
    for (let i = 0; i < count; i++) {
      const piece = word.substr(starts[i], lens[i]);
      const id = this.idOf.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const byte of utf8.encode(piece)) {
        if (this.byteToken[byte] >= 0) out.push(this.byteToken[byte]);
      }
    }
  }

  /** The score of the token `word.substr(start, len)`, or NaN when it is no token. */
  private score(word: string, start: number, len: number): number {
    const id = this.idOf.get(word.substr(start, len));
    if (id === undefined) return Number.NaN;
    return this.scores ? this.scores[id] : 0;
  }

  /** Short words: rescan for the best pair after each merge; compacts `starts`/`lens` in place. */
  private mergeShort(word: string, starts: number[], lens: number[]): number {
    let n = starts.length;
    const pair: number[] = [];
    for (let i = 0; i + 1 < n; i++) pair.push(this.score(word, starts[i], lens[i] + lens[i + 1]));
    while (n > 1) {
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let i = 0; i + 1 < n; i++) {
        if (!Number.isNaN(pair[i]) && (best < 0 || pair[i] > bestScore)) {
          bestScore = pair[i];
          best = i;
        }
      }
      if (best < 0) break;
      lens[best] += lens[best + 1];
      starts.splice(best + 1, 1);
      lens.splice(best + 1, 1);
      pair.splice(best, 1);
      n--;
      if (best > 0) pair[best - 1] = this.score(word, starts[best - 1], lens[best - 1] + lens[best]);
      if (best + 1 < n) pair[best] = this.score(word, starts[best], lens[best] + lens[best + 1]);
    }
    return n;
  }

  /** Long words: llama.cpp's heap over a linked list; compacts `starts`/`lens` to the final symbols. */
  private mergeLong(word: string, starts: number[], lens: number[]): number {
    const n = starts.length;
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
      const size = lens[left] + lens[right];
      const s = this.score(word, starts[left], size);
      if (!Number.isNaN(s)) heap.push(-s, left, right, size, 0);
    };
    for (let i = 0; i + 1 < n; i++) add(i, i + 1);
    while (heap.pop()) {
      const { left, right } = heap;
      if (lens[left] === 0 || lens[right] === 0 || lens[left] + lens[right] !== heap.a) continue; // stale
      lens[left] += lens[right];
      lens[right] = 0;
      const after = next[right];
      next[left] = after;
      if (after >= 0) prev[after] = left;
      add(prev[left], left);
      add(left, after);
    }
    let k = 0;
    for (let i = 0; i !== -1; i = next[i]) {
      starts[k] = starts[i];
      lens[k] = lens[i];
      k++;
    }
    return k;
  }
}

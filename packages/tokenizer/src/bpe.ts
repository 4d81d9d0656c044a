/**
 * Byte-level BPE as llama.cpp's `llm_tokenizer_bpe`: each pre-tokenized word is mapped byte by byte to
 * printable characters (the GPT-2 byte-to-unicode table), then the adjacent pair with the lowest merge rank
 * is merged repeatedly (ties: leftmost first).
 */
import { Heap } from './heap.js';
import type { Vocab } from './vocab.js';

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

export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const utf8 = new TextEncoder();

/** Maps text to its byte-level form (one character per UTF-8 byte). */
export function toByteLevel(text: string): string {
  let s = '';
  for (const b of utf8.encode(text)) s += BYTE_TO_CHAR[b];
  return s;
}

interface Pair {
  left: number;
  right: number;
  rank: number;
  text: string;
}

export class BpeMerger {
  private readonly ranks = new Map<string, number>();
  /** LLaMA 3 style: a word that is already a token is not merged from characters. */
  readonly ignoreMerges: boolean;

  constructor(
    private readonly vocab: Vocab,
    ignoreMerges: boolean,
  ) {
    vocab.merges.forEach((m, i) => {
      if (!this.ranks.has(m)) this.ranks.set(m, i);
    });
    this.ignoreMerges = ignoreMerges;
  }

  /** Tokenizes one pre-tokenized word (original text), appending ids to `out`. */
  encodeWord(word: string, out: number[]): void {
    const text = toByteLevel(word);
    const whole = this.vocab.idOf.get(text);
    if (this.ignoreMerges && whole !== undefined) {
      out.push(whole);
      return;
    }
    const sym: string[] = Array.from(text); // one character per byte
    const n = sym.length;
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const queue = new Heap<Pair>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const add = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const rank = this.ranks.get(`${sym[left]} ${sym[right]}`);
      if (rank === undefined) return;
      queue.push({ left, right, rank, text: sym[left] + sym[right] });
    };
    for (let i = 1; i < n; i++) add(i - 1, i);
    for (let p = queue.pop(); p; p = queue.pop()) {
      if (sym[p.left] === '' || sym[p.right] === '' || sym[p.left] + sym[p.right] !== p.text) continue; // stale
      sym[p.left] = p.text;
      sym[p.right] = '';
      const after = next[p.right];
      next[p.left] = after;
      if (after >= 0) prev[after] = p.left;
      add(prev[p.left], p.left);
      add(p.left, after);
    }
    for (let i = 0; i !== -1; i = next[i]) {
      const id = this.vocab.idOf.get(sym[i]);
      if (id !== undefined) {
        out.push(id);
      } else {
        // Unknown symbol: its single characters, when the vocabulary has them.
        for (const ch of sym[i]) {
          const b = this.vocab.idOf.get(ch);
          if (b !== undefined) out.push(b);
        }
      }
    }
  }
}

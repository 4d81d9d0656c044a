/**
 * SentencePiece-style tokenization as llama.cpp's `llm_tokenizer_spm`: the text (spaces replaced by `▁`) is
 * split into characters, then the adjacent pair whose merge is a vocabulary token with the highest score is
 * merged, repeatedly (ties: leftmost first). Characters that end up in no token fall back to `<0xNN>` byte tokens.
 */
import { Heap } from './heap.js';
import type { Vocab } from './vocab.js';

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

const utf8 = new TextEncoder();

/** The `<0xNN>` token of each byte (or the byte's own single-character token, or UNK). */
export function byteTokens(vocab: Vocab): Int32Array {
  const out = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    out[b] = vocab.idOf.get(hex) ?? vocab.idOf.get(String.fromCharCode(b)) ?? vocab.unk ?? 0;
  }
  return out;
}

/** Tokenizes one raw-text fragment already escaped (`▁` for spaces), appending ids to `out`. */
export function tokenizeSpm(text: string, vocab: Vocab, bytes: Int32Array, out: number[]): void {
  if (text.length === 0) return;
  // Symbols: one per code point, as a doubly linked list over `start`/`len` (UTF-16 units).
  const start: number[] = [];
  const len: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const n = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length ? 2 : 1;
    start.push(i);
    len.push(n);
    i += n;
  }
  const count = start.length;
  const prev = Int32Array.from({ length: count }, (_, i) => i - 1);
  const next = Int32Array.from({ length: count }, (_, i) => (i + 1 < count ? i + 1 : -1));
  const scores = vocab.scores;
  const queue = new Heap<Bigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
  const tryAdd = (left: number, right: number) => {
    if (left < 0 || right < 0) return;
    const size = len[left] + len[right];
    const id = vocab.idOf.get(text.substr(start[left], size));
    if (id === undefined) return;
    queue.push({ left, right, score: scores ? scores[id] : 0, size });
  };
  for (let i = 1; i < count; i++) tryAdd(i - 1, i);
  for (let b = queue.pop(); b; b = queue.pop()) {
    // Skip pairs made stale by an earlier merge.
    if (len[b.left] === 0 || len[b.right] === 0 || len[b.left] + len[b.right] !== b.size) continue;
    len[b.left] += len[b.right];
    len[b.right] = 0;
    next[b.left] = next[b.right];
    if (next[b.right] >= 0) prev[next[b.right]] = b.left;
    tryAdd(prev[b.left], b.left);
    tryAdd(b.left, next[b.left]);
  }
  for (let i = 0; i !== -1; i = next[i]) {
    const piece = text.substr(start[i], len[i]);
    const id = vocab.idOf.get(piece);
    if (id !== undefined) {
      out.push(id);
    } else {
      for (const byte of utf8.encode(piece)) out.push(bytes[byte]);
    }
  }
}

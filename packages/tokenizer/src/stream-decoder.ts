/**
 * Incremental detokenization: bytes of each token are buffered until they form complete UTF-8 characters,
 * so a character split across byte tokens is emitted whole (never as U+FFFD halves).
 */
import type { Tokenizer } from './tokenizer.js';

/** Length of the longest prefix of `b` that does not end inside a UTF-8 sequence. */
function completePrefix(b: number[]): number {
  // Look back at most 3 bytes for the lead byte of an unfinished sequence.
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const x = b[b.length - k];
    if ((x & 0xc0) === 0x80) continue; // continuation byte
    const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc0 ? 2 : 1;
    return need > k ? b.length - k : b.length;
  }
  return b.length;
}

export class StreamDecoder {
  private pending: number[] = [];
  private first = true;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly skipSpecial: boolean,
    private readonly stripLeadingSpace: boolean,
  ) {}

  /** Adds a token; returns the text that is now complete. */
  push(id: number): string {
    if (this.skipSpecial && this.tokenizer.isControl(id)) return '';
    let bytes = this.tokenizer.tokenBytes(id);
    if (this.first) {
      this.first = false;
      if (this.stripLeadingSpace && bytes[0] === 0x20) bytes = bytes.subarray(1);
    }
    for (const b of bytes) this.pending.push(b);
    const n = completePrefix(this.pending);
    if (n === 0) return '';
    const text = this.decoder.decode(Uint8Array.from(this.pending.slice(0, n)));
    this.pending = this.pending.slice(n);
    return text;
  }

  /** Returns what is left (an incomplete sequence becomes U+FFFD) and resets. */
  flush(): string {
    const text = this.pending.length ? this.decoder.decode(Uint8Array.from(this.pending)) : '';
    this.pending = [];
    return text;
  }
}

/**
 * Incremental detokenization: each token's bytes go through a streaming UTF-8 decoder, so a character split
 * across byte tokens comes out whole once its last byte arrives (never as U+FFFD halves), and the text
 * streamed equals the text `decode` gives for the same tokens and options.
 */
import { stripSpace } from './pieces.js';
import type { Tokenizer } from './tokenizer.js';

/** How the first token's leading space is treated (see `DecodeOptions.stripLeadingSpace`). */
export type LeadingSpace = 'llama.cpp' | 'first-text' | 'keep';

export class StreamDecoder {
  private decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private first = true;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly special: boolean,
    private readonly leadingSpace: LeadingSpace,
  ) {}

  /** Adds a token; returns the text that is now complete (possibly empty). Throws `TokenIdError`. */
  push(id: number): string {
    let bytes = this.tokenizer.tokenBytes(id, this.special);
    if (this.first) {
      // 'llama.cpp': the first token, whatever it renders as; 'first-text': the first token that renders text
      if (this.leadingSpace === 'llama.cpp' || (this.leadingSpace === 'first-text' && bytes.length > 0)) {
        bytes = stripSpace(bytes);
        this.first = false;
      } else if (this.leadingSpace === 'keep') {
        this.first = false;
      }
    }
    return bytes.length > 0 ? this.decoder.decode(bytes, { stream: true }) : '';
  }

  /** Ends the stream: returns what is left (an unfinished UTF-8 sequence becomes U+FFFD). */
  flush(): string {
    return this.decoder.decode();
  }
}

/**
 * `Tokenizer`: text ↔ token ids exactly as llama.cpp, for SentencePiece (`llama`) and byte-level BPE (`gpt2`)
 * vocabularies read from GGUF metadata.
 */
import type { GgufFile } from '@llamats/gguf-format';
import { BpeMerger, CHAR_TO_BYTE } from './bpe.js';
import { TokenIdError } from './errors.js';
import { type PreTokenizer, preTokenizer } from './pre-tokenizers.js';
import { collectSpecialTokens, partition, type SpecialTokens } from './special-tokens.js';
import { byteTokens, tokenizeSpm } from './spm.js';
import { StreamDecoder } from './stream-decoder.js';
import { readVocab, TokenType, type Vocab } from './vocab.js';

export interface EncodeOptions {
  /** Add BOS/EOS as the vocabulary asks (`add_bos_token`/`add_eos_token`). Default true. */
  addSpecial?: boolean;
  /** Recognise control-token text such as `<s>` or `<|eot_id|>` in the input. Default false. */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Leave control tokens (BOS, EOS...) out of the text. Default true. */
  skipSpecial?: boolean;
  /**
   * Remove the space SentencePiece's `add_space_prefix` put before the first word (default true, so that
   * `decode(encode(s)) === s`). Pass false when decoding a continuation, e.g. generated tokens.
   */
  stripLeadingSpace?: boolean;
}

export interface TokenizerOptions {
  /** Receives warnings (e.g. an unknown BPE pre-tokenizer). Default: console.warn. */
  onWarning?: (message: string) => void;
}

const LLAMA3_PRES = new Set(['llama-bpe', 'llama3', 'llama-v3', 'smaug-bpe', 'dbrx']);
const utf8Encoder = new TextEncoder();

export class Tokenizer {
  readonly vocab: Vocab;
  private readonly bytes: Int32Array;
  private readonly specials: SpecialTokens;
  private readonly pre: PreTokenizer | undefined;
  private readonly bpe: BpeMerger | undefined;
  private readonly pieceBytes: (Uint8Array | undefined)[];

  private constructor(vocab: Vocab, options: TokenizerOptions) {
    this.vocab = vocab;
    this.bytes = byteTokens(vocab);
    this.specials = collectSpecialTokens(vocab);
    this.pieceBytes = new Array(vocab.tokens.length);
    if (vocab.model === 'gpt2') {
      this.pre = preTokenizer(vocab.pre);
      if (this.pre.fallback) {
        (options.onWarning ?? console.warn)(
          `Unknown BPE pre-tokenizer "${vocab.pre}": using the GPT-2 rules (as llama.cpp does); tokenization may differ from the original model's.`,
        );
      }
      this.bpe = new BpeMerger(vocab, LLAMA3_PRES.has(vocab.pre));
    }
  }

  /** Builds the tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata. */
  static fromGguf(gguf: GgufFile, options: TokenizerOptions = {}): Tokenizer {
    return new Tokenizer(readVocab(gguf), options);
  }

  get vocabSize(): number {
    return this.vocab.tokens.length;
  }
  get bos(): number | undefined {
    return this.vocab.bos;
  }
  get eos(): number | undefined {
    return this.vocab.eos;
  }
  get eot(): number | undefined {
    return this.vocab.eot;
  }
  get addBos(): boolean {
    return this.vocab.addBos;
  }
  get addEos(): boolean {
    return this.vocab.addEos;
  }
  /** End-of-generation tokens (EOS, EOT and their kin). */
  get eogTokens(): ReadonlySet<number> {
    return this.vocab.eog;
  }
  isEog(id: number): boolean {
    return this.vocab.eog.has(id);
  }
  tokenType(id: number): TokenType {
    this.check(id);
    return this.vocab.types[id] as TokenType;
  }
  /** The token's text as stored in the vocabulary (`▁Hello`, `Ġworld`, `<0x0A>`...). */
  tokenText(id: number): string {
    this.check(id);
    return this.vocab.tokens[id];
  }

  /**
   * Text to token ids. Lone UTF-16 surrogates are encoded as U+FFFD (as TextEncoder does).
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecial = options.addSpecial ?? true;
    const v = this.vocab;
    const out: number[] = [];
    if (addSpecial && v.addBos && v.bos !== undefined) out.push(v.bos);
    // As llama.cpp: empty text yields no fragment at all (so no space prefix either).
    const fragments = text === '' ? [] : partition(text, this.specials, options.parseSpecial ?? false);
    if (v.model === 'llama') {
      // As llama.cpp: a space is prefixed to a text fragment that starts the input or follows a special token.
      let prevSpecial = true;
      for (const f of fragments) {
        if ('token' in f) {
          out.push(f.token);
          prevSpecial = true;
          continue;
        }
        const prefixed = v.addSpacePrefix && prevSpecial ? ` ${f.text}` : f.text;
        tokenizeSpm(prefixed.replaceAll(' ', '▁'), v, this.bytes, out);
        prevSpecial = false;
      }
    } else {
      for (const f of fragments) {
        if ('token' in f) out.push(f.token);
        else for (const word of this.pre!.split(f.text)) this.bpe!.encodeWord(word, out);
      }
    }
    if (addSpecial && v.addEos && v.eos !== undefined) out.push(v.eos);
    return out;
  }

  /**
   * The bytes a token stands for in generated text: `▁` becomes a space (SPM), byte tokens their byte,
   * byte-level BPE characters their bytes; control tokens are empty.
   */
  tokenBytes(id: number): Uint8Array {
    this.check(id);
    let b = this.pieceBytes[id];
    if (!b) {
      b = this.computePieceBytes(id);
      this.pieceBytes[id] = b;
    }
    return b;
  }

  /** The text of one token (lossy when the token is part of a multi-byte character). */
  tokenToPiece(id: number): string {
    return new TextDecoder().decode(this.tokenBytes(id));
  }

  /**
   * Token ids to text. Invalid UTF-8 (e.g. a lone byte token) becomes U+FFFD. For SentencePiece vocabularies
   * with `add_space_prefix`, the space the encoder added in front of the first word is removed, so
   * `decode(encode(s)) === s`.
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const d = this.createStreamDecoder(options);
    let s = '';
    for (let i = 0; i < ids.length; i++) s += d.push(ids[i]);
    return s + d.flush();
  }

  /** An incremental decoder: `push(id)` returns only complete characters. */
  createStreamDecoder(options: DecodeOptions = {}): StreamDecoder {
    const strip = (options.stripLeadingSpace ?? true) && this.vocab.model === 'llama' && this.vocab.addSpacePrefix;
    return new StreamDecoder(this, options.skipSpecial ?? true, strip);
  }

  /** Whether a token is a control token (BOS, EOS, chat markers...). */
  isControl(id: number): boolean {
    return this.vocab.types[id] === TokenType.Control;
  }

  private computePieceBytes(id: number): Uint8Array {
    const v = this.vocab;
    const text = v.tokens[id];
    const type = v.types[id];
    if (type === TokenType.Control) return utf8Encoder.encode(text);
    if (type === TokenType.Unused) return new Uint8Array(0);
    if (v.model === 'llama') {
      if (type === TokenType.Byte) {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
        if (m) return Uint8Array.of(Number.parseInt(m[1], 16));
      }
      if (type === TokenType.Unknown) return utf8Encoder.encode('\u2585');
      return utf8Encoder.encode(text.replaceAll('▁', ' '));
    }
    if (type === TokenType.UserDefined) return utf8Encoder.encode(text);
    // byte-level BPE: each character stands for one byte
    const out: number[] = [];
    for (const ch of text) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b === undefined) {
        for (const x of utf8Encoder.encode(ch)) out.push(x);
      } else {
        out.push(b);
      }
    }
    return Uint8Array.from(out);
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocab.tokens.length)
      throw new TokenIdError(id, this.vocab.tokens.length);
  }
}

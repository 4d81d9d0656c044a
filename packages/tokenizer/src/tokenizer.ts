/**
 * `Tokenizer`: text ↔ token ids exactly as llama.cpp (`llama_tokenize` / `llama_detokenize`), for
 * SentencePiece (`llama`) and byte-level BPE (`gpt2`) vocabularies read from GGUF metadata.
 */
import type { GgufFile } from '@llamats/gguf-format';
import { BpeModel, byteLevelText } from './bpe.js';
import { TokenIdError } from './errors.js';
import { cleanSpaces, stripSpace, TokenPieces } from './pieces.js';
import { PreTokenizer } from './pre-tokenizers.js';
import { SpecialTokens } from './special-tokens.js';
import { SpmModel } from './spm.js';
import { type LeadingSpace, StreamDecoder } from './stream-decoder.js';
import { toCodePoints, toWellFormed, u16Offset, writeUtf8 } from './unicode.js';
import { readVocab, TokenAttr, type TokenType, type Vocab } from './vocab.js';

export interface EncodeOptions {
  /** Add BOS/EOS as the vocabulary asks (`add_bos_token`/`add_eos_token`). Default true. */
  addSpecial?: boolean;
  /** Recognise control-token text such as `<s>` or `<|eot_id|>` in the input. Default false. */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Render control and unknown tokens (BOS, EOS, `<|eot_id|>`...) as nothing. Default true. */
  skipSpecial?: boolean;
  /**
   * The space SentencePiece's `add_space_prefix` put before the first word:
   * - undefined (default): removed as llama.cpp's `llama_detokenize` does: one leading space of the FIRST
   *   token's piece, so `decode(encode(s, { addSpecial: false })) === s`, while after a BOS
   *   (`[BOS, ▁Hello]`) the space stays (' Hello');
   * - true: removed from the first token that renders any text (`[BOS, ▁Hello]` → 'Hello');
   * - false: kept (decoding a continuation, e.g. generated tokens).
   * Vocabularies without `add_space_prefix` (byte-level BPE) keep it unless true is given.
   */
  stripLeadingSpace?: boolean;
}

export interface DetokenizeOptions extends DecodeOptions {
  /** llama.cpp's `remove_special`: drop a leading BOS / trailing EOS the vocabulary adds. Default false. */
  removeSpecial?: boolean;
  /**
   * Apply llama.cpp's `clean_spaces` passes (remove the space before `? ! . ,` and `'s 'm 're 've`) when the
   * vocabulary asks for them, as `llama_detokenize` does. Default false: the text round-trips exactly.
   */
  cleanSpaces?: boolean;
}

export interface TokenizerOptions {
  /** Receives warnings (an unknown or missing BPE pre-tokenizer...). Default: console.warn. */
  onWarning?: (message: string) => void;
}

/** Words and SentencePiece pieces up to this many UTF-16 units are cached. */
const CACHE_MAX_WORD = 256;
const CACHE_LIMIT = 1 << 16;

export class Tokenizer {
  readonly vocab: Vocab;
  private readonly specials: SpecialTokens;
  private readonly pieces: TokenPieces;
  private readonly spm: SpmModel | undefined;
  private readonly pre: PreTokenizer | undefined;
  private readonly bpe: BpeModel | undefined;
  private readonly wordCache = new Map<string, Int32Array>();
  private wordBytes = new Uint8Array(1024);

  private constructor(vocab: Vocab) {
    this.vocab = vocab;
    this.specials = new SpecialTokens(vocab);
    this.pieces = new TokenPieces(vocab);
    if (vocab.model === 'llama') {
      this.spm = new SpmModel(vocab.idOf, vocab.scores, byteTokens(vocab));
    } else {
      this.pre = new PreTokenizer(vocab.preType!);
      this.bpe = new BpeModel(vocab.idOf, vocab.tokens.length, vocab.merges);
    }
  }

  /** Builds the tokenizer described by a GGUF file's `tokenizer.ggml.*` metadata. */
  static fromGguf(gguf: GgufFile, options: TokenizerOptions = {}): Tokenizer {
    return new Tokenizer(readVocab(gguf, options));
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
  get unk(): number | undefined {
    return this.vocab.unk;
  }
  get pad(): number | undefined {
    return this.vocab.pad;
  }
  /** Whether `encode` adds BOS (with `addSpecial`). */
  get addBos(): boolean {
    return this.vocab.addBos;
  }
  /** Whether `encode` adds EOS (with `addSpecial`). */
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
  /** Whether a token is a control token (BOS, EOS, chat markers...). */
  isControl(id: number): boolean {
    this.check(id);
    return (this.vocab.attrs[id] & TokenAttr.Control) !== 0;
  }
  /** The token's `tokenizer.ggml.token_type`. */
  tokenType(id: number): TokenType {
    this.check(id);
    return this.vocab.types[id] as TokenType;
  }
  /** The token's attribute bits (`TokenAttr`), as llama.cpp's `llama_vocab_get_attr`. */
  tokenAttributes(id: number): number {
    this.check(id);
    return this.vocab.attrs[id];
  }
  /** The token's text as stored in the vocabulary (`▁Hello`, `Ġworld`, `<0x0A>`...). */
  tokenText(id: number): string {
    this.check(id);
    return this.vocab.tokens[id];
  }

  /**
   * Text to token ids, as llama.cpp's `llama_tokenize(text, add_special, parse_special)`. Lone UTF-16
   * surrogates are encoded as U+FFFD (as TextEncoder does). Returns a plain array.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecial = options.addSpecial ?? true;
    const v = this.vocab;
    const out: number[] = [];
    if (addSpecial && v.addBos) out.push(v.bos!);
    const wellFormed = toWellFormed(text);
    const fragments = this.specials.partition(wellFormed, options.parseSpecial ?? false);
    // As llama.cpp's SPM path: a space is put before the text that starts the input or follows a special token.
    let afterSpecial = true;
    for (const f of fragments) {
      if ('token' in f) {
        out.push(f.token);
        afterSpecial = true;
      } else if (this.spm) {
        const prefixed = v.addSpacePrefix && afterSpecial ? ` ${f.text}` : f.text;
        this.spm.encode(prefixed.replaceAll(' ', '▁'), out);
        afterSpecial = false;
      } else {
        this.encodeBpe(f.text, out);
      }
    }
    if (addSpecial && v.addEos) out.push(v.eos!);
    return out;
  }

  /** Byte-level BPE of one text fragment: pre-tokenize, then merge each word (cached). */
  private encodeBpe(text: string, out: number[]): void {
    const cps = toCodePoints(text);
    const ends = this.pre!.split(cps);
    const ignoreMerges = this.vocab.preType?.ignoreMerges === true;
    let start = 0;
    for (const end of ends) {
      const a = u16Offset(cps, start);
      const b = u16Offset(cps, end);
      const word = text.slice(a, b);
      let ids = b - a <= CACHE_MAX_WORD ? this.wordCache.get(word) : undefined;
      if (!ids) {
        if (this.wordBytes.length < 4 * (end - start)) this.wordBytes = new Uint8Array(4 * (end - start));
        let n = 0;
        for (let i = start; i < end; i++) n = writeUtf8(cps.cps[i], this.wordBytes, n);
        const list: number[] = [];
        const whole = ignoreMerges ? this.vocab.idOf.get(byteLevelText(this.wordBytes, n)) : undefined;
        if (whole !== undefined) list.push(whole);
        else this.bpe!.encodeWord(this.wordBytes, n, list);
        ids = Int32Array.from(list);
        if (b - a <= CACHE_MAX_WORD) {
          if (this.wordCache.size >= CACHE_LIMIT) this.wordCache.clear();
          this.wordCache.set(word, ids);
        }
      }
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
      start = end;
    }
  }

  /**
   * The bytes a token renders as (llama.cpp's `token_to_piece`): `▁` becomes a space (SPM), byte tokens
   * their byte, byte-level BPE characters their bytes. `special` (default true): control and unknown tokens
   * render as their text; false: as nothing.
   */
  tokenBytes(id: number, special = true): Uint8Array {
    this.check(id);
    return this.pieces.get(id, special);
  }

  /** The text of one token (lossy when the token is part of a multi-byte character). */
  tokenToPiece(id: number, options: { special?: boolean } = {}): string {
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.tokenBytes(id, options.special ?? true));
  }

  /**
   * Token ids to bytes, as llama.cpp's `llama_detokenize` (with `skipSpecial` = !unparse_special). The
   * bytes need not be valid UTF-8 (e.g. a lone byte token).
   */
  detokenize(ids: ArrayLike<number>, options: DetokenizeOptions = {}): Uint8Array {
    const v = this.vocab;
    let start = 0;
    let end = ids.length;
    let leading = this.leadingSpace(options);
    if (options.removeSpecial) {
      if (v.addBos && end > 0 && ids[0] === v.bos) {
        start = 1;
        if (leading === 'llama.cpp') leading = 'keep';
      }
      if (v.addEos && end > start && ids[end - 1] === v.eos) end--;
    }
    const special = !(options.skipSpecial ?? true);
    const parts: Uint8Array[] = [];
    let total = 0;
    let first = leading !== 'keep';
    for (let i = start; i < end; i++) {
      let piece = this.tokenBytes(ids[i], special);
      if (first && (leading === 'llama.cpp' || piece.length > 0)) {
        piece = stripSpace(piece);
        first = false;
      }
      parts.push(piece);
      total += piece.length;
    }
    let bytes: Uint8Array = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    if (options.cleanSpaces && v.cleanSpaces) bytes = cleanSpaces(bytes);
    return bytes;
  }

  /**
   * Token ids to text (`detokenize` decoded as UTF-8; invalid sequences become U+FFFD). Throws
   * `TokenIdError` for an id outside the vocabulary.
   */
  decode(ids: ArrayLike<number>, options: DetokenizeOptions = {}): string {
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.detokenize(ids, options));
  }

  /** An incremental decoder: `push(id)` returns only complete characters; the text equals `decode`'s. */
  createStreamDecoder(options: DecodeOptions = {}): StreamDecoder {
    return new StreamDecoder(this, !(options.skipSpecial ?? true), this.leadingSpace(options));
  }

  private leadingSpace(options: DecodeOptions): LeadingSpace {
    if (options.stripLeadingSpace === true) return 'first-text';
    if (options.stripLeadingSpace === false || !this.vocab.addSpacePrefix) return 'keep';
    return 'llama.cpp';
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocab.tokens.length) {
      throw new TokenIdError(id, this.vocab.tokens.length);
    }
  }
}

/** The `<0xNN>` token of each byte, else the byte's own one-character token, else UNK (-1: none). */
function byteTokens(vocab: Vocab): Int32Array {
  const out = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    out[b] = vocab.idOf.get(hex) ?? (b < 0x80 ? vocab.idOf.get(String.fromCharCode(b)) : undefined) ?? vocab.unk ?? -1;
  }
  return out;
}

/**
 * Token → bytes as llama.cpp's `token_to_piece`, and token ids → bytes as its `detokenize`: control and
 * unknown tokens render only when asked for (`special`), user-defined tokens as their text, SentencePiece
 * tokens with `▁` as spaces, byte tokens `<0xNN>` as their byte, byte-level BPE tokens through the GPT-2
 * byte table.
 */
import { CHAR_TO_BYTE } from './bpe.js';
import { TokenAttr, type Vocab } from './vocab.js';

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
const SPACE = 0x20;

/** The bytes of one token with `special` = true; `undefined` entries are computed on first use. */
export class TokenPieces {
  private readonly cache: (Uint8Array | undefined)[];

  constructor(private readonly vocab: Vocab) {
    this.cache = new Array(vocab.tokens.length);
  }

  /** The piece of a (valid) token id; with `special` false, control and unknown tokens are empty. */
  get(id: number, special: boolean): Uint8Array {
    if (!special && this.vocab.attrs[id] & (TokenAttr.Control | TokenAttr.Unknown)) return EMPTY;
    let piece = this.cache[id];
    if (!piece) {
      piece = this.compute(id);
      this.cache[id] = piece;
    }
    return piece;
  }

  private compute(id: number): Uint8Array {
    const { tokens, model } = this.vocab;
    const attr = this.vocab.attrs[id];
    const text = tokens[id];
    if (attr & (TokenAttr.Unknown | TokenAttr.Control | TokenAttr.UserDefined)) return utf8.encode(text);
    if (attr & TokenAttr.Normal)
      return model === 'llama' ? utf8.encode(text.replaceAll('▁', ' ')) : byteLevelBytes(text);
    if (attr & TokenAttr.Byte) return Uint8Array.of(Number.parseInt(text.slice(3, 5), 16) & 0xff);
    return EMPTY; // unused and undefined tokens render as nothing
  }
}

/**
 * The bytes a byte-level BPE token stands for. A character outside the byte table renders as llama.cpp's
 * `[UNK_BYTE_0x<hex of the character><token text>]`.
 */
function byteLevelBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const b = ch.length === 1 && code < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[code] : -1;
    if (b >= 0) {
      out.push(b);
      continue;
    }
    const hex = Array.from(utf8.encode(ch), (x) => x.toString(16).padStart(2, '0')).join('');
    for (const x of utf8.encode(`[UNK_BYTE_0x${hex}${text}]`)) out.push(x);
  }
  return Uint8Array.from(out);
}

/** Strips one leading space from a piece. */
export function stripSpace(piece: Uint8Array): Uint8Array {
  return piece.length > 0 && piece[0] === SPACE ? piece.subarray(1) : piece;
}

/**
 * llama.cpp's `clean_spaces` passes on detokenized bytes (Hugging Face's clean_up_tokenization_spaces):
 * removes the space before `? ! . ,`, around a lone `'`, and before `'s 'm 're 've`.
 */
export function cleanSpaces(t: Uint8Array): Uint8Array {
  const text = Uint8Array.from(t);
  const Q = 0x27;
  let total = text.length;
  // pass 1: " ?", " !", " .", " ,"
  let n = total;
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = text[i];
    if (text[i - 1] === SPACE && (x === 0x3f || x === 0x21 || x === 0x2e || x === 0x2c)) total--;
    text[total++] = x;
  }
  // pass 2: " ' " → "'"
  n = total;
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = text[i];
    if (x === Q && i + 1 < n && text[i - 1] === SPACE && text[i + 1] === SPACE) {
      total--;
      text[++i] = 0;
    }
    text[total++] = x;
  }
  // pass 3: " 's", " 'm", " 're", " 've"
  n = total;
  total = n ? 1 : 0;
  for (let i = 1; i < n; i++) {
    const x = text[i];
    if (text[i - 1] === SPACE && x === Q && i + 1 < n) {
      const x1 = text[i + 1];
      if (x1 === 0x73 || x1 === 0x6d) total--;
      else if (i + 2 < n && ((x1 === 0x72 && text[i + 2] === 0x65) || (x1 === 0x76 && text[i + 2] === 0x65))) total--;
    }
    text[total++] = x;
  }
  return text.subarray(0, total);
}

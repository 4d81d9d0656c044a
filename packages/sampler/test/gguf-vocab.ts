/**
 * Token pieces of a real vocabulary read from a vocab-only GGUF (tests and benchmark only). This is the small
 * part of detokenization the grammar needs: SentencePiece pieces with `▁` as space and `<0xNN>` byte tokens,
 * GPT-2 byte-level BPE pieces mapped back to bytes; control tokens produce no text.
 */
import { getArray, getNumber, getStringArray } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import type { SamplerVocab } from '../src/grammar/vocab.js';

const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_USER_DEFINED = 4;
const TOKEN_TYPE_BYTE = 6;

/** GPT-2's byte ↔ printable-character table, inverted. */
function byteLevelDecoder(): Map<number, number> {
  const bytes: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b);
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b);
  const chars = [...bytes];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n++);
    }
  }
  return new Map(chars.map((c, i) => [c, bytes[i]]));
}

export interface LoadedVocab extends SamplerVocab {
  readonly model: string;
  readonly pieces: Uint8Array[];
}

export async function loadGgufVocab(path: string): Promise<LoadedVocab> {
  const gguf = await openGgufFile(path);
  try {
    const tokens = getStringArray(gguf, 'tokenizer.ggml.tokens') ?? [];
    const types = getArray(gguf, 'tokenizer.ggml.token_type')?.values as ArrayLike<number> | undefined;
    const model = String(gguf.get('tokenizer.ggml.model'));
    const encoder = new TextEncoder();
    const decoder = model === 'gpt2' ? byteLevelDecoder() : undefined;
    const pieces = tokens.map((text, id) => {
      const type = types?.[id] ?? TOKEN_TYPE_NORMAL;
      if (type === TOKEN_TYPE_BYTE) {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
        return m ? Uint8Array.of(Number.parseInt(m[1], 16)) : new Uint8Array(0);
      }
      if (type !== TOKEN_TYPE_NORMAL && type !== TOKEN_TYPE_USER_DEFINED) return new Uint8Array(0);
      if (decoder) return Uint8Array.from(Array.from(text, (ch) => decoder.get(ch.codePointAt(0)!) ?? 0x3f));
      return encoder.encode(text.replaceAll('\u2581', ' '));
    });
    const eog = new Set<number>();
    for (const key of ['tokenizer.ggml.eos_token_id', 'tokenizer.ggml.eot_token_id', 'tokenizer.ggml.eom_token_id']) {
      const id = getNumber(gguf, key);
      if (id !== undefined && id >= 0 && id < tokens.length) eog.add(id);
    }
    // Llama 3 marks <|eot_id|> and <|eom_id|> as end of generation too.
    for (const name of ['<|eot_id|>', '<|eom_id|>', '<|end_of_text|>']) {
      const id = tokens.indexOf(name);
      if (id >= 0) eog.add(id);
    }
    return { model, pieces, eog };
  } finally {
    await gguf.source.close?.();
  }
}

/**
 * The vocabulary as llama.cpp reads it from `tokenizer.ggml.*` metadata: token texts, scores, types,
 * special ids and flags, with llama.cpp's defaults per tokenizer model.
 */
import { type GgufFile, getBool, getNumber, getNumberArray, getString, getStringArray } from '@llamats/gguf-format';
import { UnsupportedTokenizerError } from './errors.js';

/** `tokenizer.ggml.token_type` values (llama.cpp `llama_token_type`). */
export enum TokenType {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
}

export type TokenizerModel = 'llama' | 'gpt2';

/** Token texts llama.cpp also treats as end-of-generation when present (besides EOS/EOT/EOM). */
const EOG_TEXTS = new Set([
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<EOT>',
  '<|eom_id|>',
  '_<EOT>',
  '<｜end▁of▁sentence｜>',
]);

export interface Vocab {
  readonly model: TokenizerModel;
  /** Pre-tokenizer name (`tokenizer.ggml.pre`) for BPE. */
  readonly pre: string;
  readonly tokens: readonly string[];
  readonly scores: ArrayLike<number> | undefined;
  readonly types: ArrayLike<number>;
  readonly idOf: ReadonlyMap<string, number>;
  readonly merges: readonly string[];
  readonly bos: number | undefined;
  readonly eos: number | undefined;
  readonly eot: number | undefined;
  readonly unk: number | undefined;
  readonly pad: number | undefined;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly addSpacePrefix: boolean;
  readonly eog: ReadonlySet<number>;
}

function optionalId(gguf: GgufFile, key: string, n: number, fallback?: number): number | undefined {
  const v = getNumber(gguf, key);
  const id = v === undefined ? fallback : v;
  return id !== undefined && id >= 0 && id < n ? id : undefined;
}

export function readVocab(gguf: GgufFile): Vocab {
  const model = getString(gguf, 'tokenizer.ggml.model');
  if (model !== 'llama' && model !== 'gpt2') {
    throw new UnsupportedTokenizerError(
      model === undefined
        ? 'The GGUF file has no tokenizer (tokenizer.ggml.model is missing)'
        : `Tokenizer model "${model}" is not supported: llamats supports "llama" (SentencePiece) and "gpt2" (byte-level BPE)`,
    );
  }
  const tokens = getStringArray(gguf, 'tokenizer.ggml.tokens');
  if (!tokens || tokens.length === 0) throw new UnsupportedTokenizerError('The GGUF file has no tokenizer.ggml.tokens');
  const n = tokens.length;
  const scores = getNumberArray(gguf, 'tokenizer.ggml.scores');
  const types = getNumberArray(gguf, 'tokenizer.ggml.token_type') ?? new Int32Array(n).fill(TokenType.Normal);
  const idOf = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!idOf.has(tokens[i])) idOf.set(tokens[i], i);
  const spm = model === 'llama';
  // llama.cpp's defaults: SPM has BOS 1, EOS 2, UNK 0 and adds BOS; GPT-2 BPE uses 11 for both and adds nothing.
  const bos = optionalId(gguf, 'tokenizer.ggml.bos_token_id', n, spm ? 1 : 11);
  const eos = optionalId(gguf, 'tokenizer.ggml.eos_token_id', n, spm ? 2 : 11);
  const eot = optionalId(gguf, 'tokenizer.ggml.eot_token_id', n);
  const eom = optionalId(gguf, 'tokenizer.ggml.eom_token_id', n);
  const unk = optionalId(gguf, 'tokenizer.ggml.unknown_token_id', n, spm ? 0 : undefined);
  const pad = optionalId(gguf, 'tokenizer.ggml.padding_token_id', n);
  const pre = getString(gguf, 'tokenizer.ggml.pre') ?? 'default';
  const eog = new Set<number>();
  for (const id of [eos, eot, eom]) if (id !== undefined) eog.add(id);
  for (let i = 0; i < n; i++) {
    if ((types[i] === TokenType.Control || types[i] === TokenType.UserDefined) && EOG_TEXTS.has(tokens[i])) eog.add(i);
  }
  return {
    model,
    pre,
    tokens,
    scores,
    types,
    idOf,
    merges: getStringArray(gguf, 'tokenizer.ggml.merges') ?? [],
    bos,
    eos,
    eot,
    unk,
    pad,
    addBos: getBool(gguf, 'tokenizer.ggml.add_bos_token') ?? spm,
    addEos: getBool(gguf, 'tokenizer.ggml.add_eos_token') ?? false,
    addSpacePrefix: getBool(gguf, 'tokenizer.ggml.add_space_prefix') ?? spm,
    eog,
  };
}

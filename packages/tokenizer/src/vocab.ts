/**
 * The vocabulary as llama.cpp's `llama_vocab::impl::load` reads it from `tokenizer.ggml.*` metadata: token
 * texts, scores, types turned into attributes, special ids and flags with llama.cpp's defaults per tokenizer
 * model and pre-tokenizer, and its fix-ups by token text (end-of-generation tokens, "control-looking" tokens,
 * unused tokens, Phi-3's right-stripping special tokens).
 */
import { type GgufFile, getBool, getNumber, getNumberArray, getString, getStringArray } from '@llamats/gguf-format';
import { UnsupportedTokenizerError } from './errors.js';
import { FALLBACK_PRE_TYPE, type PreTokenizerType, preTokenizerType } from './pre-tokenizers.js';

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

/** Token attribute bits (llama.cpp `llama_token_attr`). */
export const TokenAttr = {
  Undefined: 0,
  Unknown: 1 << 0,
  Unused: 1 << 1,
  Normal: 1 << 2,
  Control: 1 << 3,
  UserDefined: 1 << 4,
  Byte: 1 << 5,
  Normalized: 1 << 6,
  /** Whitespace before the token is removed when it is parsed from text. */
  Lstrip: 1 << 7,
  /** Whitespace after the token is removed when it is parsed from text. */
  Rstrip: 1 << 8,
  SingleWord: 1 << 9,
} as const;

const ATTR_OF_TYPE: Record<number, number> = {
  [TokenType.Undefined]: TokenAttr.Undefined,
  [TokenType.Normal]: TokenAttr.Normal,
  [TokenType.Unknown]: TokenAttr.Unknown,
  [TokenType.Control]: TokenAttr.Control,
  [TokenType.UserDefined]: TokenAttr.UserDefined,
  [TokenType.Unused]: TokenAttr.Unused,
  [TokenType.Byte]: TokenAttr.Byte,
};

/** `llama`: SentencePiece-style (SPM); `gpt2`: byte-level BPE. */
export type TokenizerModel = 'llama' | 'gpt2';

export interface Vocab {
  readonly model: TokenizerModel;
  /** `tokenizer.ggml.pre` as written ('' when absent). */
  readonly pre: string;
  /** What the pre-tokenizer name selects (BPE only). */
  readonly preType: PreTokenizerType | undefined;
  readonly tokens: readonly string[];
  readonly scores: ArrayLike<number> | undefined;
  /** `tokenizer.ggml.token_type` per token. */
  readonly types: ArrayLike<number>;
  /** `TokenAttr` bits per token, after llama.cpp's fix-ups. */
  readonly attrs: Uint16Array;
  /** Token text → id (the first id for a text that repeats). */
  readonly idOf: ReadonlyMap<string, number>;
  readonly merges: readonly string[];
  readonly bos: number | undefined;
  readonly eos: number | undefined;
  readonly eot: number | undefined;
  readonly eom: number | undefined;
  readonly unk: number | undefined;
  readonly pad: number | undefined;
  readonly sep: number | undefined;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly addSpacePrefix: boolean;
  /** llama.cpp's `clean_spaces` (detokenizer clean-up of spaces before punctuation). */
  readonly cleanSpaces: boolean;
  /** End-of-generation tokens. */
  readonly eog: ReadonlySet<number>;
}

export interface ReadVocabOptions {
  onWarning?: (message: string) => void;
}

/** Texts llama.cpp takes for the end-of-turn token when the file names none, in this order of preference. */
const EOT_TEXTS = [
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '<|end_of_text|>',
  '<EOT>',
  '_<EOT>',
  '[EOT]',
  '<｜end▁of▁sentence｜>',
  '<end_of_utterance>',
];
const FIM_TEXTS: Record<string, readonly string[]> = {
  'tokenizer.ggml.fim_pre_token_id': [
    '<|fim_prefix|>',
    '<fim-prefix>',
    '<fim_prefix>',
    '<｜fim▁begin｜>',
    '<PRE>',
    '▁<PRE>',
    '<|code_prefix|>',
    '<|prefix|>',
  ],
  'tokenizer.ggml.fim_suf_token_id': [
    '<|fim_suffix|>',
    '<fim-suffix>',
    '<fim_suffix>',
    '<｜fim▁hole｜>',
    '<SUF>',
    '▁<SUF>',
    '<|code_suffix|>',
    '<|suffix|>',
  ],
  'tokenizer.ggml.fim_mid_token_id': [
    '<|fim_middle|>',
    '<fim-middle>',
    '<fim_middle>',
    '<｜fim▁end｜>',
    '<MID>',
    '▁<MID>',
    '<|code_middle|>',
    '<|middle|>',
  ],
  'tokenizer.ggml.fim_pad_token_id': ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'],
  'tokenizer.ggml.fim_rep_token_id': ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'],
  'tokenizer.ggml.fim_sep_token_id': ['<|file_sep|>'],
};
/** Token texts that end generation wherever they are (llama.cpp's list). */
const EOG_TEXTS = new Set([
  '<|eot_id|>',
  '<|im_end|>',
  '<|end|>',
  '<|return|>',
  '<|call|>',
  '<|flush|>',
  '<|calls|>',
  '<end_of_turn>',
  '<|endoftext|>',
  '</s>',
  '<|eom_id|>',
  '<EOT>',
  '_<EOT>',
  '[EOT]',
  '[EOS]',
  '<|end_of_text|>',
  '<end_of_utterance>',
  '<eos>',
  '<turn|>',
  '<|tool_response>',
  '<｜end▁of▁sentence｜>',
  '[e~[',
]);

export function readVocab(gguf: GgufFile, options: ReadVocabOptions = {}): Vocab {
  const warn = options.onWarning ?? ((m: string) => console.warn(`@llamats/tokenizer: ${m}`));
  const model = getString(gguf, 'tokenizer.ggml.model');
  if (model !== 'llama' && model !== 'gpt2') {
    throw new UnsupportedTokenizerError(
      model === undefined
        ? 'The GGUF file has no tokenizer (tokenizer.ggml.model is missing): it cannot turn text into tokens'
        : `Tokenizer model "${model}" is not supported: @llamats/tokenizer reads "llama" (SentencePiece) and "gpt2" (byte-level BPE) vocabularies`,
      model,
    );
  }
  const spm = model === 'llama';
  const rawTokens = getStringArray(gguf, 'tokenizer.ggml.tokens');
  if (!rawTokens || rawTokens.length === 0) {
    throw new UnsupportedTokenizerError('The GGUF file has no tokenizer.ggml.tokens list', model);
  }
  const n = rawTokens.length;
  // As llama.cpp: an empty token gets a placeholder text so that it can never match text.
  const tokens = rawTokens.map((t, i) => (t === '' ? `[EMPTY_${i}]` : t));
  const scores = getNumberArray(gguf, 'tokenizer.ggml.scores');
  const types = getNumberArray(gguf, 'tokenizer.ggml.token_type') ?? new Int32Array(n).fill(TokenType.Normal);
  const attrs = new Uint16Array(n);
  for (let i = 0; i < n; i++) attrs[i] = ATTR_OF_TYPE[types[i]] ?? TokenAttr.Undefined;
  const idOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (!idOf.has(tokens[i])) idOf.set(tokens[i], i);
    else
      warn(
        `token ${i} repeats the text of token ${idOf.get(tokens[i])} (${JSON.stringify(tokens[i])}); llama.cpp refuses such vocabularies`,
      );
  }

  const pre = getString(gguf, 'tokenizer.ggml.pre') ?? '';
  let preType: PreTokenizerType | undefined;
  if (!spm) {
    if (pre === '') {
      warn('the file names no BPE pre-tokenizer (tokenizer.ggml.pre): using llama.cpp\'s "default" rules');
      preType = preTokenizerType('default');
    } else {
      preType = preTokenizerType(pre);
      if (!preType) {
        warn(
          `unknown BPE pre-tokenizer "${pre}": using the GPT-2 rules (llama.cpp refuses this file); tokens may differ from the original model's`,
        );
        preType = FALLBACK_PRE_TYPE;
      }
    }
  }

  // Special ids: llama.cpp's defaults per model, replaced by the file's values when in range.
  const special = (key: string, fallback: number | undefined): number | undefined => {
    let id = fallback !== undefined && fallback < n ? fallback : undefined;
    const v = getNumber(gguf, key);
    if (v !== undefined) {
      if (v >= 0 && v < n) id = v;
      else warn(`${key} = ${v} is outside the vocabulary; using ${id ?? 'none'}`);
    }
    return id;
  };
  const bos = preType?.noBos ? undefined : special('tokenizer.ggml.bos_token_id', spm ? 1 : 11);
  const eos = special('tokenizer.ggml.eos_token_id', spm ? 2 : 11);
  let eot = special('tokenizer.ggml.eot_token_id', undefined);
  let eom = special('tokenizer.ggml.eom_token_id', undefined);
  const unk = special('tokenizer.ggml.unknown_token_id', spm ? 0 : undefined);
  const sep = special('tokenizer.ggml.seperator_token_id', undefined);
  const pad = special('tokenizer.ggml.padding_token_id', undefined);

  const addBos = getBool(gguf, 'tokenizer.ggml.add_bos_token') ?? (spm || preType?.addBos === true);
  const addEos = getBool(gguf, 'tokenizer.ggml.add_eos_token') ?? false;
  const addSpacePrefix = getBool(gguf, 'tokenizer.ggml.add_space_prefix') ?? spm;

  // Tokens found by their text, which llama.cpp also marks as control tokens.
  const markControl = (id: number) => {
    attrs[id] |= TokenAttr.Control;
  };
  const firstOf = (texts: readonly string[]) => {
    for (const t of texts) {
      const id = idOf.get(t);
      if (id !== undefined) return id;
    }
    return undefined;
  };
  if (eot === undefined) {
    eot = firstOf(EOT_TEXTS);
    if (eot !== undefined) markControl(eot);
  }
  if (eom === undefined) {
    eom = idOf.get('<|eom_id|>');
    if (eom !== undefined) markControl(eom);
  }
  const eog = new Set<number>();
  for (const [key, texts] of Object.entries(FIM_TEXTS)) {
    let id = special(key, undefined);
    if (id === undefined) {
      id = firstOf(texts);
      if (id !== undefined) markControl(id);
    }
    if (id !== undefined && /pad|rep|sep/.test(key)) eog.add(id);
  }
  for (let i = 0; i < n; i++) {
    if (attrs[i] & TokenAttr.Control && tokens[i].includes('unused')) attrs[i] |= TokenAttr.Unused;
    if (EOG_TEXTS.has(tokens[i]) && idOf.get(tokens[i]) === i) {
      eog.add(i);
      markControl(i);
    }
  }
  for (const text of ['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>']) {
    const id = idOf.get(text);
    if (id !== undefined) attrs[id] = TokenAttr.UserDefined; // gpt-oss: always rendered
  }
  for (const id of [eos, eot, eom]) if (id !== undefined) eog.add(id);
  const eogText = (text: string) => [...eog].some((id) => tokens[id] === text);
  const end = idOf.get('<|end|>');
  if (
    end !== undefined &&
    eog.has(end) &&
    ((eogText('<|return|>') && eogText('<|call|>')) || (eogText('<|calls|>') && eogText('<|flush|>')))
  ) {
    eog.delete(end); // gpt-oss / Solar Open: <|end|> ends a message, not the generation
    attrs[end] = TokenAttr.UserDefined;
  }
  const eosText = idOf.get('</s>');
  if (eosText !== undefined && eog.has(eosText) && eogText('<|tool_response>')) {
    eog.delete(eosText);
    attrs[eosText] = TokenAttr.Normal;
  }

  // Per-model attributes llama.cpp sets by name.
  const name = (getString(gguf, 'general.name') ?? '').toLowerCase();
  const arch = getString(gguf, 'general.architecture') ?? '';
  const setAttr = (text: string, bit: number, on: boolean) => {
    const id = idOf.get(text);
    if (id !== undefined) attrs[id] = on ? attrs[id] | bit : attrs[id] & ~bit;
  };
  if (
    ['jina-v2-de', 'jina-v2-es', 'jina-v2-code'].some((p) => pre.includes(p)) ||
    /nomic-bert-moe|jina-bert-v3/.test(arch)
  ) {
    setAttr('<mask>', TokenAttr.Lstrip, true);
  } else if (name.includes('phi-3') || name.includes('phi3')) {
    for (let i = 0; i < n; i++) {
      if (attrs[i] & (TokenAttr.Control | TokenAttr.UserDefined | TokenAttr.Unknown)) attrs[i] |= TokenAttr.Rstrip;
    }
    setAttr('</s>', TokenAttr.Rstrip, true);
    for (const t of ['<unk>', '<s>', '<|endoftext|>']) setAttr(t, TokenAttr.Rstrip, false);
  } else if (name.includes('modern-bert')) {
    setAttr('[MASK]', TokenAttr.Lstrip, true);
  }

  return {
    model,
    pre,
    preType,
    tokens,
    scores,
    types,
    attrs,
    idOf,
    merges: getStringArray(gguf, 'tokenizer.ggml.merges') ?? [],
    bos,
    eos,
    eot,
    eom,
    unk,
    pad,
    sep,
    addBos: addBos && bos !== undefined,
    addEos: addEos && eos !== undefined,
    addSpacePrefix,
    cleanSpaces: !spm && preType?.cleanSpaces !== false,
    eog,
  };
}

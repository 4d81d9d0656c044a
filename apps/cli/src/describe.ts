/**
 * What `llamats inspect` reports: gguf-format's {@link describeGguf} (metadata with long arrays summarised,
 * quantization mix, tensor table with ggml type names and absolute offsets), plus the LLaMA
 * hyper-parameters, the tokenizer's special tokens and the chat template text.
 */
import {
  describeGguf,
  type GgufDescription,
  type GgufFile,
  isGgufArray,
  type LlamaHparams,
  readLlamaHparams,
} from '@llamats/gguf-format';

export interface TokenizerSummary {
  readonly bos?: { id: number; text: string };
  readonly eos?: { id: number; text: string };
  readonly addBos?: boolean;
  readonly addEos?: boolean;
  /** Tokens per `tokenizer.ggml.token_type` (normal, control, byte...). */
  readonly tokenTypes: Record<string, number>;
  readonly merges: number;
}

export interface ModelDescription extends GgufDescription {
  /** Hyper-parameters with llama.cpp's defaults, when the file has an architecture and tensors. */
  readonly hparams?: LlamaHparams;
  readonly tokenizer?: TokenizerSummary;
  /** `tokenizer.chat_template`, whole. */
  readonly chatTemplate?: string;
}

const TOKEN_TYPE_NAMES = ['undefined', 'normal', 'unknown', 'control', 'user_defined', 'unused', 'byte'];

function tokenizerSummary(gguf: GgufFile): TokenizerSummary | undefined {
  const tokens = gguf.get('tokenizer.ggml.tokens');
  if (!isGgufArray(tokens)) return undefined;
  const list = tokens.values as readonly string[];
  const tokenRef = (key: string) => {
    const id = gguf.get(key);
    return typeof id === 'number' && id >= 0 && id < list.length ? { id, text: list[id] } : undefined;
  };
  const bool = (key: string) => {
    const v = gguf.get(key);
    return typeof v === 'boolean' ? v : undefined;
  };
  const types = gguf.get('tokenizer.ggml.token_type');
  const tokenTypes: Record<string, number> = {};
  if (isGgufArray(types)) {
    for (const t of Array.from(types.values as ArrayLike<number>)) {
      const name = TOKEN_TYPE_NAMES[Number(t)] ?? String(t);
      tokenTypes[name] = (tokenTypes[name] ?? 0) + 1;
    }
  }
  const merges = gguf.get('tokenizer.ggml.merges');
  return {
    bos: tokenRef('tokenizer.ggml.bos_token_id'),
    eos: tokenRef('tokenizer.ggml.eos_token_id'),
    addBos: bool('tokenizer.ggml.add_bos_token'),
    addEos: bool('tokenizer.ggml.add_eos_token'),
    tokenTypes,
    merges: isGgufArray(merges) ? merges.values.length : 0,
  };
}

/** Describes a parsed GGUF file. `fullArrays` lists every array value (vocabularies can be megabytes). */
export function describeModel(gguf: GgufFile, options: { fullArrays?: boolean } = {}): ModelDescription {
  let hparams: LlamaHparams | undefined;
  try {
    hparams = gguf.tensors.length > 0 ? readLlamaHparams(gguf) : undefined;
  } catch {
    hparams = undefined; // not a LLaMA-like file: the rest of the description still holds
  }
  const template = gguf.get('tokenizer.chat_template');
  return {
    ...describeGguf(gguf, options.fullArrays ? { arrayLimit: Number.POSITIVE_INFINITY } : {}),
    hparams,
    tokenizer: tokenizerSummary(gguf),
    chatTemplate: typeof template === 'string' && template.length > 0 ? template : undefined,
  };
}

/**
 * A plain-JSON description of a GGUF file for `llamats inspect`: metadata values made JSON-safe (64-bit
 * integers as numbers when safe, else strings; long arrays summarised), hyper-parameters, tokenizer facts and
 * the tensor directory with ggml type names.
 */
import {
  type GgufArray,
  type GgufFile,
  type GgufValue,
  GgufValueType,
  ggmlTypeInfo,
  isGgufArray,
  type LlamaHparams,
  readLlamaHparams,
} from '@llamats/gguf-format';

export interface TensorDescription {
  readonly name: string;
  /** ggml order: `shape[0]` is the row length. */
  readonly shape: readonly number[];
  /** ggml type name (`Q4_K`). */
  readonly type: string;
  /** Absolute byte offset of the tensor's data in its file. */
  readonly offset: number;
  readonly bytes: number;
  readonly elements: number;
}

export interface ArraySummary {
  readonly type: 'array';
  readonly item_type: string;
  readonly length: number;
  /** Present when the array is short, or when full arrays were asked for. */
  readonly values?: unknown[];
}

export type JsonValue = string | number | boolean | null | ArraySummary;

export interface TokenizerSummary {
  readonly model: string | undefined;
  readonly pre: string | undefined;
  readonly vocab_size: number;
  readonly bos: { id: number; text: string } | undefined;
  readonly eos: { id: number; text: string } | undefined;
  readonly add_bos: boolean | undefined;
  readonly add_eos: boolean | undefined;
  /** Tokens per `tokenizer.ggml.token_type` (normal, control, byte...). */
  readonly token_types: Record<string, number>;
  readonly merges: number;
}

export interface GgufDescription {
  readonly version: number;
  readonly alignment: number;
  readonly data_offset: number;
  readonly size: number;
  readonly metadata: Record<string, JsonValue>;
  readonly hparams: LlamaHparams | undefined;
  readonly tokenizer: TokenizerSummary | undefined;
  readonly chat_template: string | undefined;
  readonly parameters: number;
  readonly tensor_bytes: number;
  readonly tensors: TensorDescription[];
}

const SHORT_ARRAY = 64;

function jsonScalar(v: GgufValue): JsonValue {
  if (typeof v === 'bigint')
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : String(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v as JsonValue;
}

function jsonArray(a: GgufArray, full: boolean): ArraySummary {
  const base = {
    type: 'array' as const,
    item_type: GgufValueType[a.itemType] ?? String(a.itemType),
    length: a.values.length,
  };
  if (!full && a.values.length > SHORT_ARRAY) return base;
  const values = Array.from(a.values as ArrayLike<GgufValue>, (v) =>
    isGgufArray(v) ? jsonArray(v, full) : jsonScalar(v),
  );
  return { ...base, values };
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
  const types = gguf.get('tokenizer.ggml.token_type');
  const counts: Record<string, number> = {};
  if (isGgufArray(types)) {
    for (const t of Array.from(types.values as ArrayLike<number>)) {
      const name = TOKEN_TYPE_NAMES[Number(t)] ?? String(t);
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  const merges = gguf.get('tokenizer.ggml.merges');
  const str = (k: string) => (typeof gguf.get(k) === 'string' ? (gguf.get(k) as string) : undefined);
  const bool = (k: string) => (typeof gguf.get(k) === 'boolean' ? (gguf.get(k) as boolean) : undefined);
  return {
    model: str('tokenizer.ggml.model'),
    pre: str('tokenizer.ggml.pre'),
    vocab_size: list.length,
    bos: tokenRef('tokenizer.ggml.bos_token_id'),
    eos: tokenRef('tokenizer.ggml.eos_token_id'),
    add_bos: bool('tokenizer.ggml.add_bos_token'),
    add_eos: bool('tokenizer.ggml.add_eos_token'),
    token_types: counts,
    merges: isGgufArray(merges) ? merges.values.length : 0,
  };
}

/** Describes a parsed GGUF file. `fullArrays` keeps every array value (vocabularies can be megabytes). */
export function describeGguf(gguf: GgufFile, options: { fullArrays?: boolean } = {}): GgufDescription {
  const metadata: Record<string, JsonValue> = {};
  for (const { key, value } of gguf.kv)
    metadata[key] = isGgufArray(value) ? jsonArray(value, !!options.fullArrays) : jsonScalar(value);
  let hparams: LlamaHparams | undefined;
  try {
    hparams = gguf.tensors.length > 0 ? readLlamaHparams(gguf) : undefined;
  } catch {
    hparams = undefined;
  }
  const template = gguf.get('tokenizer.chat_template');
  const tensors = gguf.tensors.map((t) => ({
    name: t.name,
    shape: [...t.shape],
    type: ggmlTypeInfo(t.type).name,
    offset: t.offset,
    bytes: t.byteLength,
    elements: t.elements,
  }));
  return {
    version: gguf.version,
    alignment: gguf.alignment,
    data_offset: gguf.dataOffset,
    size: gguf.sources.reduce((a, s) => a + s.size, 0),
    metadata,
    hparams,
    tokenizer: tokenizerSummary(gguf),
    chat_template: typeof template === 'string' ? template : undefined,
    parameters: tensors.reduce((a, t) => a + t.elements, 0),
    tensor_bytes: tensors.reduce((a, t) => a + t.bytes, 0),
    tensors,
  };
}

/**
 * A summary of a GGUF file for people (`formatGgufDescription`) and scripts (`describeGguf`, the shape of
 * `llamats inspect --json`): architecture, parameter count, quantization mix with bytes per type, context
 * length, tokenizer, chat template presence, all metadata (large arrays summarised, never dumped) and the
 * tensor table. Never throws on odd metadata: a key of an unexpected type is just not used in the summary.
 */
import type { GgmlTypeName } from './ggml-types.js';
import type { GgufFile } from './gguf-file.js';
import { type GgufArray, type GgufValue, GgufValueType, isGgufArray } from './metadata.js';

/** A JSON-safe value: 64-bit integers beyond 2^53 and non-finite floats become strings. */
export type GgufJsonValue = string | number | boolean | null | GgufJsonValue[] | { [key: string]: GgufJsonValue };

/** An array too long to list: its item type, length and first items. */
export interface GgufArraySummary {
  readonly [key: string]: GgufJsonValue;
  readonly summary: 'array';
  readonly itemType: string;
  readonly length: number;
  readonly head: GgufJsonValue[];
}

export interface GgufTensorSummary {
  readonly name: string;
  readonly shape: number[];
  /** ggml type name, e.g. 'Q4_K'. */
  readonly type: GgmlTypeName;
  /** Absolute byte offset in its file. */
  readonly offset: number;
  readonly byteLength: number;
  /** Which file of a split model holds it (0-based); absent for a single file. */
  readonly part?: number;
}

export interface GgufQuantEntry {
  readonly type: GgmlTypeName;
  readonly tensors: number;
  readonly parameters: number;
  readonly bytes: number;
}

export interface GgufDescription {
  readonly version: number;
  readonly alignment: number;
  /** File names, first to last (several for a split model). */
  readonly files: string[];
  /** Total bytes of all files. */
  readonly fileSize: number;
  readonly architecture?: string;
  readonly name?: string;
  /** Total elements of all tensors. */
  readonly parameterCount: number;
  /** Total bytes of tensor data. */
  readonly tensorBytes: number;
  /** tensorBytes * 8 / parameterCount. */
  readonly bitsPerWeight: number;
  /** llama.cpp's file type name from general.file_type, e.g. 'MOSTLY_Q4_K_M'. */
  readonly fileType?: string;
  /** Bytes and tensors per ggml type, largest first. */
  readonly quantMix: GgufQuantEntry[];
  readonly contextLength?: number;
  readonly embeddingLength?: number;
  readonly blockCount?: number;
  readonly headCount?: number;
  readonly headCountKv?: number;
  /** tokenizer.ggml.model: 'llama' (SentencePiece), 'gpt2' (byte-level BPE)... */
  readonly tokenizerModel?: string;
  readonly tokenizerPre?: string;
  readonly vocabSize?: number;
  readonly hasChatTemplate: boolean;
  /** Every metadata key in file order; arrays longer than `arrayLimit` summarised. */
  readonly metadata: Record<string, GgufJsonValue>;
  readonly tensors: GgufTensorSummary[];
}

export interface DescribeOptions {
  /** Arrays with more items than this are summarised (default 16). */
  arrayLimit?: number;
  /** Items kept in an array summary (default 8). */
  headItems?: number;
}

/** llama.cpp `enum llama_ftype` names, by general.file_type value. */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: 'ALL_F32',
  1: 'MOSTLY_F16',
  2: 'MOSTLY_Q4_0',
  3: 'MOSTLY_Q4_1',
  7: 'MOSTLY_Q8_0',
  8: 'MOSTLY_Q5_0',
  9: 'MOSTLY_Q5_1',
  10: 'MOSTLY_Q2_K',
  11: 'MOSTLY_Q3_K_S',
  12: 'MOSTLY_Q3_K_M',
  13: 'MOSTLY_Q3_K_L',
  14: 'MOSTLY_Q4_K_S',
  15: 'MOSTLY_Q4_K_M',
  16: 'MOSTLY_Q5_K_S',
  17: 'MOSTLY_Q5_K_M',
  18: 'MOSTLY_Q6_K',
  19: 'MOSTLY_IQ2_XXS',
  20: 'MOSTLY_IQ2_XS',
  21: 'MOSTLY_Q2_K_S',
  22: 'MOSTLY_IQ3_XS',
  23: 'MOSTLY_IQ3_XXS',
  24: 'MOSTLY_IQ1_S',
  25: 'MOSTLY_IQ4_NL',
  26: 'MOSTLY_IQ3_S',
  27: 'MOSTLY_IQ3_M',
  28: 'MOSTLY_IQ2_S',
  29: 'MOSTLY_IQ2_M',
  30: 'MOSTLY_IQ4_XS',
  31: 'MOSTLY_IQ1_M',
  32: 'MOSTLY_BF16',
  36: 'MOSTLY_TQ1_0',
  37: 'MOSTLY_TQ2_0',
  38: 'MOSTLY_MXFP4_MOE',
  39: 'MOSTLY_NVFP4',
  40: 'MOSTLY_Q1_0',
};

/** The name of a general.file_type value (`'MOSTLY_Q4_K_M'`), or undefined for an unknown one. */
export function llamaFileTypeName(fileType: number): string | undefined {
  return FILE_TYPES[fileType];
}

/** A structured, JSON-safe description of a parsed GGUF file. */
export function describeGguf(gguf: GgufFile, options: DescribeOptions = {}): GgufDescription {
  const arrayLimit = options.arrayLimit ?? 16;
  const headItems = options.headItems ?? 8;
  const str = (key: string) => {
    const v = gguf.get(key);
    return typeof v === 'string' ? v : undefined;
  };
  const num = (key: string) => {
    const v = gguf.get(key);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    if (isGgufArray(v) && v.values.length > 0 && typeof v.values[0] === 'number') return v.values[0] as number;
    return undefined;
  };
  const arch = str('general.architecture');
  const archNum = (key: string) => (arch ? num(`${arch}.${key}`) : undefined);

  const mix = new Map<GgmlTypeName, { tensors: number; parameters: number; bytes: number }>();
  let parameterCount = 0;
  let tensorBytes = 0;
  const multiPart = gguf.sources.length > 1;
  const tensors = gguf.tensors.map((t): GgufTensorSummary => {
    parameterCount += t.elements;
    tensorBytes += t.byteLength;
    const m = mix.get(t.typeInfo.name) ?? { tensors: 0, parameters: 0, bytes: 0 };
    m.tensors++;
    m.parameters += t.elements;
    m.bytes += t.byteLength;
    mix.set(t.typeInfo.name, m);
    const summary: GgufTensorSummary = {
      name: t.name,
      shape: [...t.shape],
      type: t.typeInfo.name,
      offset: t.offset,
      byteLength: t.byteLength,
    };
    return multiPart ? { ...summary, part: gguf.sources.indexOf(t.source) } : summary;
  });
  const metadata: Record<string, GgufJsonValue> = {};
  for (const { key, type, value } of gguf.kv) {
    metadata[key] =
      type === GgufValueType.FLOAT32 ? shortestF32(value as number) : toJson(value, arrayLimit, headItems);
  }
  const tokens = gguf.get('tokenizer.ggml.tokens');
  const fileType = num('general.file_type');
  const template = gguf.get('tokenizer.chat_template');
  return dropUndefined({
    version: gguf.version,
    alignment: gguf.alignment,
    files: gguf.sources.map((s) => s.name),
    fileSize: gguf.sources.reduce((n, s) => n + s.size, 0),
    architecture: arch,
    name: str('general.name'),
    parameterCount,
    tensorBytes,
    bitsPerWeight: parameterCount > 0 ? (tensorBytes * 8) / parameterCount : 0,
    fileType: fileType === undefined ? undefined : (llamaFileTypeName(fileType) ?? `unknown (${fileType})`),
    quantMix: [...mix].map(([type, m]) => ({ type, ...m })).sort((a, b) => b.bytes - a.bytes),
    contextLength: archNum('context_length'),
    embeddingLength: archNum('embedding_length'),
    blockCount: archNum('block_count'),
    headCount: archNum('attention.head_count'),
    headCountKv: archNum('attention.head_count_kv'),
    tokenizerModel: str('tokenizer.ggml.model'),
    tokenizerPre: str('tokenizer.ggml.pre'),
    vocabSize: isGgufArray(tokens) ? tokens.values.length : archNum('vocab_size'),
    hasChatTemplate: typeof template === 'string' && template.length > 0,
    metadata,
    tensors,
  });
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** The shortest decimal that reads back as the same f32 (1e-5 rather than 0.000009999999747378752). */
function shortestF32(v: number): GgufJsonValue {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

function scalarToJson(v: unknown): GgufJsonValue {
  if (typeof v === 'bigint') {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v as GgufJsonValue;
}

function toJson(v: GgufValue, arrayLimit: number, headItems: number): GgufJsonValue {
  if (!isGgufArray(v)) return scalarToJson(v);
  const items = (a: GgufArray, n: number): GgufJsonValue[] => {
    const out: GgufJsonValue[] = [];
    for (let i = 0; i < Math.min(n, a.values.length); i++) {
      const item = a.values[i] as GgufValue;
      out.push(isGgufArray(item) ? toJson(item, arrayLimit, headItems) : scalarToJson(item));
    }
    return out;
  };
  if (v.values.length <= arrayLimit) return items(v, arrayLimit);
  const summary: GgufArraySummary = {
    summary: 'array',
    itemType: GgufValueType[v.itemType] ?? String(v.itemType),
    length: v.values.length,
    head: items(v, headItems),
  };
  return summary;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
function formatBytes(n: number): string {
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2)} ${UNITS[i]}`;
}
function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}
function formatValue(v: GgufJsonValue, width = 80): string {
  if (typeof v === 'string') {
    const oneLine = JSON.stringify(v);
    return oneLine.length > width ? `${oneLine.slice(0, width - 12)}…" (${v.length} chars)` : oneLine;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && v.summary === 'array') {
    const s = v as GgufArraySummary;
    const head = s.head.map((x) => formatValue(x, 24)).join(', ');
    return `[${s.length} × ${s.itemType}] ${head}, …`.slice(0, width + 40);
  }
  const text = JSON.stringify(v);
  return text.length > width ? `${text.slice(0, width)}…` : text;
}

export interface FormatOptions {
  /** Include the tensor table (default true). */
  tensors?: boolean;
  /** Include every metadata key (default true). */
  metadata?: boolean;
}

/** A printable, multi-line summary of {@link describeGguf}'s result. */
export function formatGgufDescription(d: GgufDescription, options: FormatOptions = {}): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(16)}${value}`);
  lines.push(`${d.files.join(' + ')}  (GGUF v${d.version}, ${formatBytes(d.fileSize)})`);
  if (d.architecture) row('architecture', d.architecture);
  if (d.name) row('name', d.name);
  row('parameters', `${formatCount(d.parameterCount)} (${formatBytes(d.tensorBytes)} of tensor data)`);
  row('file type', `${d.fileType ?? 'not stated'}, ${d.bitsPerWeight.toFixed(2)} bits per weight`);
  if (d.contextLength !== undefined) row('context length', String(d.contextLength));
  if (d.embeddingLength !== undefined) {
    const heads = d.headCount === undefined ? '' : `, ${d.headCount} heads (${d.headCountKv ?? d.headCount} KV)`;
    row('shape', `embedding ${d.embeddingLength}, ${d.blockCount ?? '?'} blocks${heads}`);
  }
  if (d.tokenizerModel) {
    const pre = d.tokenizerPre ? `, pre-tokenizer "${d.tokenizerPre}"` : '';
    row('tokenizer', `${d.tokenizerModel}, ${d.vocabSize ?? '?'} tokens${pre}`);
  }
  row('chat template', d.hasChatTemplate ? 'yes' : 'none');
  row('tensors', String(d.tensors.length));
  for (const q of d.quantMix) {
    const share = d.tensorBytes > 0 ? ((100 * q.bytes) / d.tensorBytes).toFixed(1) : '0';
    row(
      '',
      `${q.type.padEnd(8)}${String(q.tensors).padStart(5)} tensors ${formatBytes(q.bytes).padStart(10)} (${share}%)`,
    );
  }
  if (options.metadata ?? true) {
    lines.push('', 'metadata:');
    for (const [key, value] of Object.entries(d.metadata)) lines.push(`  ${key} = ${formatValue(value)}`);
  }
  if ((options.tensors ?? true) && d.tensors.length > 0) {
    lines.push('', 'tensors:');
    const nameWidth = Math.min(48, Math.max(...d.tensors.map((t) => t.name.length)) + 2);
    for (const t of d.tensors) {
      const part = t.part === undefined ? '' : `  part ${t.part + 1}`;
      lines.push(
        `  ${t.name.padEnd(nameWidth)}${`[${t.shape.join(', ')}]`.padEnd(20)}${t.type.padEnd(8)}@ ${t.offset}${part}`,
      );
    }
  }
  return lines.join('\n');
}

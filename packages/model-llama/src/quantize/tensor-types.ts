/**
 * Which ggml type each tensor gets under a file type: llama.cpp's `llama_tensor_get_type` for the file
 * types in `./file-types.ts` (llama-quantize without an importance matrix). The choices depend on the
 * tensor's role, its layer, the model shape (grouped-query factor, expert count, 70B), and the order in
 * which llama.cpp visits tensors, which is reproduced by {@link llamaTensorOrder}.
 */
import { GgmlType, type GgufFile, type GgufTensorInfo, getNumber, getString, ggmlTypeInfo } from '@llamats/gguf-format';
import { QuantizeError } from './errors.js';
import type { LlamaFileType, LlamaFileTypeName } from './file-types.js';

/** A tensor's role as far as the mixes care (llama.cpp `tensor_category`). */
export type TensorRole =
  | 'token_embd'
  | 'output'
  | 'attn_q'
  | 'attn_k'
  | 'attn_v'
  | 'attn_qkv'
  | 'attn_kv_b'
  | 'attn_output'
  | 'ffn_up'
  | 'ffn_gate'
  | 'ffn_down'
  | 'other';

export interface TensorTypeChoice {
  readonly tensor: GgufTensorInfo;
  readonly role: TensorRole;
  /** The type to write. Equal to `tensor.type` when the tensor is copied as it is. */
  readonly type: GgmlType;
  /** True when the mix's choice did not fit the row length and a block-32 (or F16) type was used instead. */
  readonly fellBack: boolean;
}

/** The model facts the mixes consult. */
export interface ModelShape {
  readonly architecture: string;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly nExpert: number;
}

export function roleOf(name: string): TensorRole {
  if (name === 'output.weight') return 'output';
  if (name === 'token_embd.weight' || name === 'per_layer_token_embd.weight') return 'token_embd';
  // Substring tests in llama.cpp's order: the first match wins.
  const substrings: ReadonlyArray<readonly [string, TensorRole]> = [
    ['attn_qkv.weight', 'attn_qkv'],
    ['attn_kv_b.weight', 'attn_kv_b'],
    ['attn_v.weight', 'attn_v'],
    ['attn_k.weight', 'attn_k'],
    ['attn_q.weight', 'attn_q'],
    ['attn_output.weight', 'attn_output'],
    ['ffn_up', 'ffn_up'],
    ['ffn_gate', 'ffn_gate'],
    ['ffn_down', 'ffn_down'],
  ];
  for (const [s, role] of substrings) if (name.includes(s)) return role;
  return 'other';
}

/** Value-projection-like tensors, the most sensitive to quantization. */
const isAttnVLike = (r: TensorRole) => r === 'attn_v' || r === 'attn_qkv' || r === 'attn_kv_b';

const layerIndex = (name: string): number => {
  const m = /^blk\.(\d+)\./.exec(name);
  return m ? Number(m[1]) : -1;
};

/**
 * llama.cpp visits tensors sorted by layer (non-layer tensors first), then by name: the per-layer counters
 * of the mixes advance in this order, and llama-quantize writes its output in it.
 */
export function llamaTensorOrder(tensors: readonly GgufTensorInfo[]): GgufTensorInfo[] {
  return [...tensors].sort((a, b) => {
    const la = layerIndex(a.name);
    const lb = layerIndex(b.name);
    if (la !== lb) return la - lb;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** ggml_n_dims: trailing dimensions of size 1 do not count. */
function nDims(shape: readonly number[]): number {
  for (let i = shape.length - 1; i >= 1; i--) if (shape[i] > 1) return i + 1;
  return 1;
}

/** Names llama.cpp never quantizes even when they are 2-D weights (the subset that LLaMA-like files can hold). */
const NEVER_QUANTIZED = ['_norm.weight', 'ffn_gate_inp.weight', 'ssm_conv1d', 'attn_rel_b.weight', 'altup', 'laurel'];

/** llama.cpp `tensor_allows_quantization`: 2-D (or 3-D expert) weights other than norms and a few small tables. */
export function allowsQuantization(t: GgufTensorInfo): boolean {
  if (nDims(t.shape) < 2) return false;
  if (!t.name.endsWith('weight')) return false;
  if (NEVER_QUANTIZED.some((s) => t.name.includes(s))) return false;
  return t.name !== 'position_embd.weight' && t.name !== 'token_types.weight';
}

export function readModelShape(gguf: GgufFile): ModelShape {
  const arch = getString(gguf, 'general.architecture') ?? 'llama';
  const perLayer = (key: string): number | undefined => {
    const v = gguf.get(`${arch}.${key}`);
    if (typeof v === 'object' && v !== null && 'values' in v) return Number(v.values[0]);
    return getNumber(gguf, `${arch}.${key}`);
  };
  const blocks = new Set(gguf.tensors.map((t) => layerIndex(t.name)).filter((l) => l >= 0));
  const nHead = perLayer('attention.head_count') ?? 1;
  return {
    architecture: arch,
    nLayer: getNumber(gguf, `${arch}.block_count`) ?? blocks.size,
    nHead,
    nHeadKv: perLayer('attention.head_count_kv') ?? nHead,
    nExpert: getNumber(gguf, `${arch}.expert_count`) ?? 0,
  };
}

/** llama.cpp's `use_more_bits`: the first and last eighth of the layers, and every third layer between. */
const useMoreBits = (i: number, n: number) =>
  i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;

/** Mutable counters that advance as tensors are visited in {@link llamaTensorOrder}. */
interface MixState {
  readonly shape: ModelShape;
  readonly ftype: LlamaFileTypeName;
  readonly tied: boolean;
  readonly nAttnV: number;
  iAttnV: number;
  iFfnDown: number;
}

const { Q3_K, Q4_K, Q5_K, Q6_K, Q8_0 } = GgmlType;

/** The mix rule for one tensor (llama.cpp `llama_tensor_get_type_impl`, for the file types llamats writes). */
function mixType(s: MixState, t: GgufTensorInfo, role: TensorRole, type: GgmlType): GgmlType {
  const { shape, ftype } = s;
  const falcon = shape.architecture === 'falcon';
  const gqa = shape.nHead / Math.max(1, shape.nHeadKv);
  const is70B = shape.architecture === 'llama' && shape.nLayer === 80 && shape.nHead !== shape.nHeadKv;

  if (role === 'output' || (s.tied && role === 'token_embd')) {
    // The output projection (or the embedding table that doubles as it) keeps more bits.
    if (falcon || t.shape[0] % ggmlTypeInfo(type).blockSize !== 0) return Q8_0;
    return type === Q8_0 ? type : Q6_K;
  }
  if (role === 'token_embd') return type;

  if (isAttnVLike(role)) {
    const i = s.iAttnV++;
    let out = type;
    if (ftype === 'Q2_K') out = gqa >= 4 ? Q4_K : Q3_K;
    else if (ftype === 'Q3_K_M') out = i < 2 ? Q5_K : Q4_K;
    else if (ftype === 'Q3_K_L') out = Q5_K;
    else if ((ftype === 'IQ4_NL' || ftype === 'IQ4_XS') && gqa >= 4) out = Q5_K;
    else if ((ftype === 'Q4_K_M' || ftype === 'Q5_K_M') && useMoreBits(i, s.nAttnV)) out = Q6_K;
    else if (ftype === 'Q4_K_S' && i < 4) out = Q5_K;
    // 70B shares each attn_v among 8 heads: it is 8x smaller than attn_q, so more bits cost little.
    if (is70B && (out === Q3_K || out === Q4_K)) out = Q5_K;
    if (shape.nExpert === 8) out = Q8_0;
    return out;
  }
  if (role === 'attn_k') return shape.nExpert === 8 ? Q8_0 : type;

  if (role === 'ffn_down') {
    const counter = s.iFfnDown++;
    // Mixture-of-experts files interleave expert tensors: the layer comes from the name there.
    const i = shape.nExpert > 1 ? layerIndex(t.name) : counter;
    const n = shape.nLayer;
    if (ftype === 'Q2_K') return Q3_K;
    if (ftype === 'Q3_K_M') return i < Math.floor(n / 16) ? Q5_K : !falcon || useMoreBits(i, n) ? Q4_K : Q3_K;
    if (ftype === 'Q3_K_L') return falcon ? Q4_K : Q5_K;
    if (ftype === 'Q4_K_M') {
      if (falcon) return i < Math.floor(n / 16) ? Q6_K : useMoreBits(i, n) ? Q5_K : Q4_K;
      return useMoreBits(i, n) ? Q6_K : type;
    }
    if (i < Math.floor(n / 8) && (ftype === 'IQ4_NL' || ftype === 'IQ4_XS')) return Q5_K;
    if (ftype === 'Q5_K_M') return useMoreBits(i, n) ? Q6_K : type;
    if (ftype === 'Q4_K_S' && !falcon && i < Math.floor(n / 8)) return Q5_K;
    return type;
  }

  if (role === 'attn_output') {
    if (falcon) return ftype === 'Q3_K_L' ? Q4_K : type;
    if (shape.nExpert === 8) {
      const bumped: readonly LlamaFileTypeName[] = ['Q2_K', 'Q3_K_S', 'Q3_K_M', 'IQ4_NL', 'Q4_K_S', 'Q4_K_M', 'IQ4_XS'];
      return bumped.includes(ftype) ? Q5_K : type;
    }
    if (ftype === 'Q2_K') return Q3_K;
    if (ftype === 'Q3_K_M') return Q4_K;
    if (ftype === 'Q3_K_L') return Q5_K;
    return type;
  }
  return type;
}

/** Where a block-256 type does not divide the row length, llama.cpp uses a block-32 type of similar size. */
const FALLBACK: Partial<Record<GgmlType, GgmlType>> = {
  [GgmlType.Q2_K]: GgmlType.Q4_0,
  [GgmlType.Q3_K]: GgmlType.Q4_0,
  [GgmlType.Q4_K]: GgmlType.Q5_0,
  [GgmlType.Q5_K]: GgmlType.Q5_1,
  [GgmlType.Q6_K]: GgmlType.Q8_0,
  [GgmlType.IQ4_XS]: GgmlType.IQ4_NL,
};

function fitRowLength(t: GgufTensorInfo, type: GgmlType): { type: GgmlType; fellBack: boolean } {
  const cols = t.shape[0];
  if (cols % ggmlTypeInfo(type).blockSize === 0) return { type, fellBack: false };
  const fallback = FALLBACK[type];
  if (fallback === undefined) {
    throw new QuantizeError(
      `Tensor "${t.name}" has rows of ${cols} values, not a multiple of the ${ggmlTypeInfo(type).name} block size ` +
        `${ggmlTypeInfo(type).blockSize}, and that type has no fallback; choose a K-quant or F16`,
      t.name,
    );
  }
  // A row length that is not even a multiple of 32 leaves only F16.
  return { type: cols % ggmlTypeInfo(fallback).blockSize === 0 ? fallback : GgmlType.F16, fellBack: true };
}

/**
 * Chooses the type of every tensor, in llama.cpp's visiting (and writing) order. Tensors llama.cpp never
 * quantizes (norms, 1-D tensors...) keep their type.
 */
export function chooseTensorTypes(gguf: GgufFile, fileType: LlamaFileType): TensorTypeChoice[] {
  const ordered = llamaTensorOrder(gguf.tensors);
  const roles = ordered.map((t) => roleOf(t.name));
  const state: MixState = {
    shape: readModelShape(gguf),
    ftype: fileType.name,
    tied: !roles.includes('output'),
    nAttnV: roles.filter(isAttnVLike).length,
    iAttnV: 0,
    iFfnDown: 0,
  };
  const quantizedDefault = ggmlTypeInfo(fileType.defaultType).quantized;
  return ordered.map((tensor, i) => {
    const role = roles[i];
    if (!allowsQuantization(tensor)) return { tensor, role, type: tensor.type, fellBack: false };
    if (!quantizedDefault) return { tensor, role, type: fileType.defaultType, fellBack: false };
    const fitted = fitRowLength(tensor, mixType(state, tensor, role, fileType.defaultType));
    return { tensor, role, ...fitted };
  });
}

/**
 * llama.cpp's file types (`enum llama_ftype`): the names `llama-quantize` accepts, the id written to
 * `general.file_type`, and the ggml type most tensors get. The `_S`/`_M`/`_L` mixes share a default type
 * and differ in the per-tensor choices of `./tensor-types.ts`.
 */
import { GgmlType } from '@llamats/gguf-format';
import { QuantizeError } from './errors.js';

export type LlamaFileTypeName =
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'Q4_0'
  | 'Q4_1'
  | 'Q5_0'
  | 'Q5_1'
  | 'Q8_0'
  | 'Q2_K'
  | 'Q3_K_S'
  | 'Q3_K_M'
  | 'Q3_K_L'
  | 'Q4_K_S'
  | 'Q4_K_M'
  | 'Q5_K_S'
  | 'Q5_K_M'
  | 'Q6_K'
  | 'IQ4_NL'
  | 'IQ4_XS';

export interface LlamaFileType {
  readonly name: LlamaFileTypeName;
  /** `general.file_type` value (llama.h `LLAMA_FTYPE_*`). */
  readonly id: number;
  /** The type of every quantizable tensor the mix does not single out. */
  readonly defaultType: GgmlType;
  /** One line for `--help`. */
  readonly description: string;
}

// [name, llama_ftype id, default ggml type, description]
const TABLE: ReadonlyArray<readonly [LlamaFileTypeName, number, GgmlType, string]> = [
  ['F32', 0, GgmlType.F32, '32-bit floats'],
  ['F16', 1, GgmlType.F16, '16-bit floats'],
  ['BF16', 32, GgmlType.BF16, 'bfloat16'],
  ['Q4_0', 2, GgmlType.Q4_0, '4.5 bpw, symmetric 4-bit blocks of 32'],
  ['Q4_1', 3, GgmlType.Q4_1, '5.0 bpw, 4-bit blocks of 32 with a minimum'],
  ['Q5_0', 8, GgmlType.Q5_0, '5.5 bpw, symmetric 5-bit blocks of 32'],
  ['Q5_1', 9, GgmlType.Q5_1, '6.0 bpw, 5-bit blocks of 32 with a minimum'],
  ['Q8_0', 7, GgmlType.Q8_0, '8.5 bpw, 8-bit blocks of 32'],
  ['Q2_K', 10, GgmlType.Q2_K, 'Q2_K mix (attn_v, ffn_down, attn_output in Q3_K/Q4_K)'],
  ['Q3_K_S', 11, GgmlType.Q3_K, 'Q3_K everywhere but the output'],
  ['Q3_K_M', 12, GgmlType.Q3_K, 'Q3_K mix (attn_v Q5_K/Q4_K, ffn_down and attn_output Q4_K)'],
  ['Q3_K_L', 13, GgmlType.Q3_K, 'Q3_K mix (attn_v, ffn_down, attn_output in Q5_K)'],
  ['Q4_K_S', 14, GgmlType.Q4_K, 'Q4_K mix (first attn_v and ffn_down in Q5_K)'],
  ['Q4_K_M', 15, GgmlType.Q4_K, 'Q4_K mix (half of attn_v and ffn_down in Q6_K)'],
  ['Q5_K_S', 16, GgmlType.Q5_K, 'Q5_K everywhere but the output'],
  ['Q5_K_M', 17, GgmlType.Q5_K, 'Q5_K mix (half of attn_v and ffn_down in Q6_K)'],
  ['Q6_K', 18, GgmlType.Q6_K, '6.6 bpw K-quant'],
  ['IQ4_NL', 25, GgmlType.IQ4_NL, '4.5 bpw non-linear 4-bit blocks of 32'],
  ['IQ4_XS', 30, GgmlType.IQ4_XS, '4.25 bpw non-linear 4-bit super-blocks'],
];

const BY_NAME = new Map<string, LlamaFileType>(
  TABLE.map(([name, id, defaultType, description]) => [name, Object.freeze({ name, id, defaultType, description })]),
);

/** `llama-quantize` accepts the bare K names for the `_M` mixes. */
const ALIASES: Readonly<Record<string, LlamaFileTypeName>> = { Q3_K: 'Q3_K_M', Q4_K: 'Q4_K_M', Q5_K: 'Q5_K_M' };

/** Every file type `quantizeModel` can write, in table order. */
export const llamaFileTypes: readonly LlamaFileType[] = [...BY_NAME.values()];

/** Looks a file type up by name (case-insensitive; `Q4_K` means `Q4_K_M` as in llama-quantize). */
export function llamaFileType(name: string): LlamaFileType {
  const upper = name.toUpperCase();
  const found = BY_NAME.get(ALIASES[upper] ?? upper);
  if (!found) {
    throw new QuantizeError(
      `Unknown quantization type "${name}"; choose one of ${[...BY_NAME.keys(), ...Object.keys(ALIASES)].join(', ')}`,
    );
  }
  return found;
}

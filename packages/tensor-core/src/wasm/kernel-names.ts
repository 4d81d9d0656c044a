/**
 * The names of the kernels the wasm module exports, in a fixed order: threads refer to a kernel by its
 * index in this list. Every kernel is called as `kernel(ith, nth, ...args)` (assembly/common.ts).
 */
export const KERNEL_NAMES = [
  'quantize_q8_32',
  'quantize_q8_K',
  'attention',
  'add',
  'swiglu',
  'rms_norm',
  'rope',
  'f32_to_f16',
  'f16_to_f32',
  'matmul_f32',
  'matmul_f16',
  'matmul_bf16',
  'matmul_q8_0',
  'matmul_q4_0',
  'matmul_q4_1',
  'matmul_q5_0',
  'matmul_q5_1',
  'matmul_iq4_nl',
  'matmul_q2_k',
  'matmul_q3_k',
  'matmul_q4_k',
  'matmul_q5_k',
  'matmul_q6_k',
  'matmul_iq4_xs',
  'get_rows_f32',
  'get_rows_f16',
  'get_rows_bf16',
  'get_rows_q8_0',
  'get_rows_q4_0',
  'get_rows_q4_1',
  'get_rows_q5_0',
  'get_rows_q5_1',
  'get_rows_iq4_nl',
  'get_rows_q2_k',
  'get_rows_q3_k',
  'get_rows_q4_k',
  'get_rows_q5_k',
  'get_rows_q6_k',
  'get_rows_iq4_xs',
] as const;

export type KernelName = (typeof KERNEL_NAMES)[number];

/** A kernel as JavaScript sees it: numbers in (pointers as unsigned offsets), nothing or a number out. */
export type KernelFunction = (ith: number, nth: number, ...args: number[]) => number | undefined;

/** Index of every kernel name. */
export const KERNEL_INDEX: ReadonlyMap<KernelName, number> = new Map(KERNEL_NAMES.map((n, i) => [n, i]));

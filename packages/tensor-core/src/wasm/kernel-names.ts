/**
 * The kernels the wasm module exports, with the number of arguments each takes after `(ith, nth)`, in a
 * fixed order: threads refer to a kernel by its index in this list. Every kernel is called as
 * `kernel(ith, nth, ...args)` (assembly/common.ts). The argument counts are checked against the module's
 * exports when it is instantiated and on every call, so a stale build fails loudly instead of reading
 * the wrong memory.
 */
const KERNELS = {
  quantize_q8_32: 7,
  quantize_q8_32i: 7,
  quantize_q8_32r: 7,
  quantize_q8_K: 7,
  quantize_q8_K32r: 7,
  attention: 15,
  add: 4,
  swiglu: 4,
  rms_norm: 6,
  rope: 12,
  f32_to_f16: 3,
  f16_to_f32: 3,
  read_memory: 3,
  touch_pages: 2,
  matmul_f32: 12,
  matmul_f16: 12,
  matmul_bf16: 12,
  matmul_q8_0: 12,
  matmul_q4_0: 12,
  matmul_q4_1: 12,
  matmul_q5_0: 12,
  matmul_q5_1: 12,
  matmul_iq4_nl: 12,
  matmul_q2_k: 12,
  matmul_q3_k: 12,
  matmul_q4_k: 12,
  matmul_q5_k: 12,
  matmul_q6_k: 12,
  matmul_iq4_xs: 12,
  get_rows_f32: 6,
  get_rows_f16: 6,
  get_rows_bf16: 6,
  get_rows_q8_0: 6,
  get_rows_q4_0: 6,
  get_rows_q4_1: 6,
  get_rows_q5_0: 6,
  get_rows_q5_1: 6,
  get_rows_iq4_nl: 6,
  get_rows_q2_k: 6,
  get_rows_q3_k: 6,
  get_rows_q4_k: 6,
  get_rows_q5_k: 6,
  get_rows_q6_k: 6,
  get_rows_iq4_xs: 6,
  place_q2_k: 3,
  place_q3_k: 3,
  place_q4_k: 3,
  place_q5_k: 3,
  place_q6_k: 3,
  place_q4_0: 4,
  place_q4_1: 4,
  place_q5_0: 4,
  place_q5_1: 4,
} as const;

export type KernelName = keyof typeof KERNELS;

export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/** Arguments of each kernel after `(ith, nth)`. */
export function kernelArity(name: KernelName): number {
  return KERNELS[name];
}

/** A kernel as JavaScript sees it: numbers in (pointers as unsigned offsets), nothing or a number out. */
export type KernelFunction = (ith: number, nth: number, ...args: number[]) => number | undefined;

/** Index of every kernel name. */
export const KERNEL_INDEX: ReadonlyMap<KernelName, number> = new Map(KERNEL_NAMES.map((n, i) => [n, i]));

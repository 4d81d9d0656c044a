/**
 * The wasm backend's one table over weight types: for each ggml type it computes with, the kernels that
 * multiply and look up its rows, and the form its matrix products want the activations in. Everything
 * else asks {@link weightKernels} instead of switching on types.
 */
import { GgmlType } from '@llamats/gguf-format';
import type { KernelName } from './kernel-names.js';
import {
  placeQ2KBlocks,
  placeQ3KBlocks,
  placeQ4_0Rows,
  placeQ4_1Rows,
  placeQ4KBlocks,
  placeQ5_0Rows,
  placeQ5_1Rows,
  placeQ5KBlocks,
  placeQ6KBlocks,
} from './placement.js';

/**
 * How a type's matrix product consumes activations (assembly/activations.ts):
 * `f32` rows as they are; `q8_32`: 8-bit levels per 32 values (Q8_0/Q8_1-style, with block sums);
 * `q8_K`: 8-bit levels per 256 values with 16-value sums (Q8_K-style);
 * `q8_K32`: the levels and scales of `q8_K` in the record layout of the 32-value formats' relaxed batched
 * product (for Q4_K, whose relaxed batched product runs its 32-value sub-blocks as Q4_1-like blocks);
 * `q8_32s`: the relaxed batched records of `q8_32` with the levels split by sign, the a- levels after the
 * record (for the signed levels of Q8_0 and IQ4_NL in the VNNI build: assembly/unpacked8.ts dotSplit8Pair4).
 */
export type ActivationForm = 'f32' | 'q8_32' | 'q8_K' | 'q8_K32' | 'q8_32s';

/** Which build of the kernels runs: SIMD-128, relaxed SIMD, or relaxed SIMD with the fused dot-add. */
export type KernelBuild = 'simd128' | 'relaxed' | 'vnni';

export interface WeightKernels {
  readonly matmul: KernelName;
  readonly getRows: KernelName;
  readonly activations: ActivationForm;
  /**
   * The relaxed builds multiply batches with 8-bit products (assembly/unpacked8.ts): `true` for unsigned
   * levels, `'vnni'` in the VNNI build only (the signed levels of Q8_0 and IQ4_NL, whose split products
   * need the fused dot-add to pay).
   */
  readonly batch8?: true | 'vnni';
  /** The activations of the relaxed batched product, where they differ from `activations`. */
  readonly batch8Activations?: ActivationForm;
  /**
   * k where the relaxed batched product sums (q - 2^k) * a (Q4_0 3; Q5_0, Q5_1, Q5_K 4): its activation
   * records then carry the level offsets (-2^k times lane sums) those integer sums start from
   * (assembly/activations.ts quantize_q8_32r, assembly/unpacked8.ts offsetShiftOf).
   */
  readonly batchOffsetShift?: number;
  /**
   * The kernel that rearranges uploaded blocks into the order this type's kernels read (and back), for
   * types placed in a layout of their own (src/wasm/placement.ts).
   */
  readonly place?: KernelName;
  /**
   * The same rearrangement in TypeScript (`inverse`: back to ggml's order), for reading weights back;
   * `cols`: the row length, for types placed by rows.
   */
  readonly placeBytes?: (bytes: Uint8Array, inverse?: boolean, cols?: number) => Uint8Array;
  /**
   * What is placed as a whole: a block (the default), or a row (Q4_0, Q4_1, Q5_0, Q5_1, whose groups of four
   * blocks stop at the end of each row; their place kernels then take the row length as a fourth argument).
   */
  readonly placeUnit?: 'block' | 'row';
  /** Placed only by the relaxed builds (the SIMD-128 build reads ggml's order). */
  readonly placeRelaxedOnly?: boolean;
  /**
   * The option of the fused (decode) product's quantize kernel, where it is not 0 (assembly/activations.ts):
   * levels placed to match placed weights (quantize_q8_K 3 and 4, quantize_q8_32 3), or split by sign for
   * signed weight levels in the VNNI build (quantize_q8_32 2, quantize_q8_K 5) or in every relaxed build
   * (quantize_q8_32 4).
   */
  readonly fusedOption?: number;
  /**
   * In the relaxed builds, batches of up to this many tokens take the fused (decode) product instead of the
   * batched one ({@link productMode}; default: below {@link BATCHED_MIN_TOKENS}). Where a format's fused
   * product is much faster than its decode peers (Q4_0, Q4_1 and Q4_K, placed for 8-bit products), it beats
   * unpacking rows for 4 to 6 tokens (1.06-1.34x, AMD EPYC, Node 20); from 7 tokens the batched product wins.
   * The SIMD-128 build's fused products are slower than its batched ones from 4 tokens for every format.
   */
  readonly relaxedFusedUpTo?: number;
}

/**
 * What a type placed by rows in groups of four blocks declares (the relaxed builds' Q4_0, Q4_1, Q5_0, Q5_1:
 * assembly/formats/groups4.ts): its place kernel and TypeScript form, by rows, and activations placed to match
 * (quantize_q8_32 option 3).
 */
function placedGroupRows(
  place: KernelName,
  placeBytes: NonNullable<WeightKernels['placeBytes']>,
): Pick<WeightKernels, 'place' | 'placeBytes' | 'placeUnit' | 'placeRelaxedOnly' | 'fusedOption'> {
  return { place, placeBytes, placeUnit: 'row', placeRelaxedOnly: true, fusedOption: 3 };
}

const TABLE = new Map<GgmlType, WeightKernels>([
  [GgmlType.F32, { matmul: 'matmul_f32', getRows: 'get_rows_f32', activations: 'f32' }],
  [GgmlType.F16, { matmul: 'matmul_f16', getRows: 'get_rows_f16', activations: 'f32' }],
  [GgmlType.BF16, { matmul: 'matmul_bf16', getRows: 'get_rows_bf16', activations: 'f32' }],
  [
    GgmlType.Q8_0,
    {
      matmul: 'matmul_q8_0',
      getRows: 'get_rows_q8_0',
      activations: 'q8_32',
      fusedOption: 2,
      batch8: 'vnni',
      batch8Activations: 'q8_32s',
    },
  ],
  [
    GgmlType.Q4_0,
    {
      matmul: 'matmul_q4_0',
      getRows: 'get_rows_q4_0',
      activations: 'q8_32',
      batch8: true,
      batchOffsetShift: 3,
      relaxedFusedUpTo: 6,
      ...placedGroupRows('place_q4_0', placeQ4_0Rows),
    },
  ],
  [
    GgmlType.Q4_1,
    {
      matmul: 'matmul_q4_1',
      getRows: 'get_rows_q4_1',
      activations: 'q8_32',
      batch8: true,
      relaxedFusedUpTo: 6,
      ...placedGroupRows('place_q4_1', placeQ4_1Rows),
    },
  ],
  [
    GgmlType.Q5_0,
    {
      matmul: 'matmul_q5_0',
      getRows: 'get_rows_q5_0',
      activations: 'q8_32',
      batch8: true,
      batchOffsetShift: 4,
      ...placedGroupRows('place_q5_0', placeQ5_0Rows),
    },
  ],
  [
    GgmlType.Q5_1,
    {
      matmul: 'matmul_q5_1',
      getRows: 'get_rows_q5_1',
      activations: 'q8_32',
      batch8: true,
      batchOffsetShift: 4,
      ...placedGroupRows('place_q5_1', placeQ5_1Rows),
    },
  ],
  [
    GgmlType.IQ4_NL,
    {
      matmul: 'matmul_iq4_nl',
      getRows: 'get_rows_iq4_nl',
      activations: 'q8_32',
      fusedOption: 4,
      batch8: 'vnni',
      batch8Activations: 'q8_32s',
    },
  ],
  [
    GgmlType.Q2_K,
    {
      matmul: 'matmul_q2_k',
      getRows: 'get_rows_q2_k',
      activations: 'q8_K',
      batch8: true,
      place: 'place_q2_k',
      placeBytes: placeQ2KBlocks,
      fusedOption: 4,
    },
  ],
  [
    GgmlType.Q3_K,
    {
      matmul: 'matmul_q3_k',
      getRows: 'get_rows_q3_k',
      activations: 'q8_K',
      batch8: true,
      place: 'place_q3_k',
      placeBytes: placeQ3KBlocks,
      fusedOption: 4,
    },
  ],
  [
    GgmlType.Q4_K,
    {
      matmul: 'matmul_q4_k',
      getRows: 'get_rows_q4_k',
      activations: 'q8_K',
      batch8: true,
      batch8Activations: 'q8_K32',
      place: 'place_q4_k',
      placeBytes: placeQ4KBlocks,
      fusedOption: 3,
      relaxedFusedUpTo: 6,
    },
  ],
  [
    GgmlType.Q5_K,
    {
      matmul: 'matmul_q5_k',
      getRows: 'get_rows_q5_k',
      activations: 'q8_K',
      batch8: true,
      batch8Activations: 'q8_K32',
      batchOffsetShift: 4,
      place: 'place_q5_k',
      placeBytes: placeQ5KBlocks,
      fusedOption: 3,
    },
  ],
  [
    GgmlType.Q6_K,
    {
      matmul: 'matmul_q6_k',
      getRows: 'get_rows_q6_k',
      activations: 'q8_K',
      batch8: true,
      place: 'place_q6_k',
      placeBytes: placeQ6KBlocks,
      fusedOption: 4,
    },
  ],
  [GgmlType.IQ4_XS, { matmul: 'matmul_iq4_xs', getRows: 'get_rows_iq4_xs', activations: 'q8_K', fusedOption: 5 }],
]);

/** The kernels of a weight type, or undefined when the wasm backend cannot compute with it. */
export function weightKernels(type: GgmlType): WeightKernels | undefined {
  return TABLE.get(type);
}

/** Every type the wasm kernels support, in id order. */
export function wasmWeightTypes(): GgmlType[] {
  return [...TABLE.keys()].sort((a, b) => a - b);
}

/** Blocks of a 32-value format rounded up to whole groups of four (assembly/formats/block32.ts). */
function paddedBlocks(cols: number): number {
  return (((cols >> 5) + 3) >> 2) << 2;
}

/**
 * How a matrix product runs (assembly/matmul.ts `mode`): `fused` per token (decode), `unpacked` rows of
 * i16 levels times 4 tokens per pass, or `unpacked8` rows of 8-bit levels (relaxed build, `batch8` types).
 */
export type ProductMode = 'fused' | 'unpacked' | 'unpacked8';

export const PRODUCT_MODE_CODE: Record<ProductMode, number> = { fused: 0, unpacked: 1, unpacked8: 2 };

/** The form a type's matrix product wants its activations in, in a product mode. */
export function activationFormFor(kernels: WeightKernels, mode: ProductMode): ActivationForm {
  return mode === 'unpacked8' ? (kernels.batch8Activations ?? kernels.activations) : kernels.activations;
}

/**
 * Bytes of one token's activation record (16-byte aligned), as assembly/activations.ts lays it out for
 * a product mode (the 32-value formats interleave blocks for the unpacked modes; `q8_K32` exists only
 * in the `unpacked8` layout).
 */
export function activationRecordBytes(form: ActivationForm, cols: number, mode: ProductMode = 'fused'): number {
  let bytes: number;
  if (form === 'f32') bytes = cols * 4;
  else if (form === 'q8_K') bytes = cols * 2 + (cols / 256) * 4 + (cols / 16) * 2;
  else if (mode === 'unpacked') bytes = paddedBlocks(cols) * 72;
  // an a+ record, then the a- levels
  else if (form === 'q8_32s') bytes = paddedBlocks(cols) * 76;
  else if (mode === 'unpacked8') bytes = paddedBlocks(cols) * 44;
  else bytes = cols * 2 + (cols / 32) * 8;
  return Math.ceil(bytes / 16) * 16;
}

/** Bytes of one unpacked weight row (assembly/unpacked.ts `unpackedRowBytes`, unpacked8.ts `unpacked8RowBytes`). */
export function unpackedRowBytes(form: ActivationForm, cols: number, mode: ProductMode = 'unpacked'): number {
  let bytes: number;
  if (mode === 'unpacked8')
    bytes = form === 'q8_K' ? cols + (cols >> 3) * 2 + (cols >> 8) * 8 : paddedBlocks(cols) * 40;
  else if (form === 'q8_K') bytes = cols * 2 + (cols >> 8) * 8 + (cols >> 3);
  else if (form === 'q8_32') bytes = paddedBlocks(cols) * 72;
  else bytes = cols * 4;
  return Math.ceil(bytes / 16) * 16;
}

/**
 * Tokens from which matrix products multiply unpacked rows (4 tokens per pass, i16 products) instead of
 * the fused per-token product (which the relaxed-SIMD build runs with 8-bit dot products).
 */
export const BATCHED_MIN_TOKENS = 4;

/** How a product of `n` tokens runs in a build of the kernels. */
export function productMode(kernels: WeightKernels, n: number, build: KernelBuild): ProductMode {
  const relaxed = build !== 'simd128';
  const fusedUpTo =
    relaxed && kernels.relaxedFusedUpTo !== undefined ? kernels.relaxedFusedUpTo : BATCHED_MIN_TOKENS - 1;
  if (n <= fusedUpTo) return 'fused';
  const batch8 = kernels.batch8 === true || (kernels.batch8 === 'vnni' && build === 'vnni');
  return relaxed && batch8 ? 'unpacked8' : 'unpacked';
}

/** Weight rows a thread unpacks at once in a matrix product (assembly/matmul.ts ROWS_PER_CHUNK_BATCH). */
export const MATMUL_ROWS_PER_CHUNK = 16;

/**
 * The documented accuracy of the matrix products: rel-RMS against f64 math on the dequantized weights.
 * Float weights keep f32 activations (summation error only); quantized weights multiply 8-bit quantized
 * activations, as llama.cpp does, which costs ~0.5-0.7% (measured on random data and fixture tensors).
 */
export function matmulBound(type: GgmlType): number {
  const form = weightKernels(type)?.activations;
  return form === 'f32' ? 2e-6 : form === 'q8_32' ? 1.2e-2 : 1.5e-2;
}

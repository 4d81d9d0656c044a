/**
 * The ggml tensor type table: every type a GGUF file can name, with its block geometry.
 * This is the one place that knows block sizes; everything else asks {@link ggmlTypeInfo}.
 */
import { GgufUnknownTypeError } from './errors.js';

/**
 * ggml type ids as written in GGUF tensor infos (ggml.h `enum ggml_type`). Gaps are retired ids:
 * 4 and 5 (Q4_2, Q4_3), 31 to 33 (Q4_0_4_4...) and 36 to 38 (IQ4_NL_4_4...), which ggml no longer reads.
 */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  NVFP4 = 40,
  Q1_0 = 41,
  Q2_0 = 42,
}

export type GgmlTypeName = keyof typeof GgmlType;

export interface GgmlTypeInfo {
  readonly type: GgmlType;
  readonly name: GgmlTypeName;
  /** Elements per block (1 for plain types). */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly bytesPerBlock: number;
  /** True for block-quantized types. */
  readonly quantized: boolean;
}

// [name, blockSize, bytesPerBlock]; byte counts follow the block structs in ggml-common.h and agree with
// ggml.c `type_traits` and gguf-py `GGML_QUANT_SIZES` (ggml-types.test.ts re-derives each from its struct).
const TABLE: ReadonlyArray<readonly [GgmlTypeName, number, number]> = [
  ['F32', 1, 4],
  ['F16', 1, 2],
  ['Q4_0', 32, 18], // half d; u8 qs[16]
  ['Q4_1', 32, 20], // half d, m; u8 qs[16]
  ['Q5_0', 32, 22], // half d; u8 qh[4]; u8 qs[16]
  ['Q5_1', 32, 24], // half d, m; u8 qh[4]; u8 qs[16]
  ['Q8_0', 32, 34], // half d; i8 qs[32]
  ['Q8_1', 32, 36], // half d, s; i8 qs[32]
  ['Q2_K', 256, 84], // u8 scales[16]; u8 qs[64]; half d, dmin
  ['Q3_K', 256, 110], // u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d
  ['Q4_K', 256, 144], // half d, dmin; u8 scales[12]; u8 qs[128]
  ['Q5_K', 256, 176], // half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]
  ['Q6_K', 256, 210], // u8 ql[128]; u8 qh[64]; i8 scales[16]; half d
  ['Q8_K', 256, 292], // f32 d; i8 qs[256]; i16 bsums[16]
  ['IQ2_XXS', 256, 66], // half d; u16 qs[32]
  ['IQ2_XS', 256, 74], // half d; u16 qs[32]; u8 scales[8]
  ['IQ3_XXS', 256, 98], // half d; u8 qs[96] (grid indices + signs/scales)
  ['IQ1_S', 256, 50], // half d; u8 qs[32]; u16 qh[8]
  ['IQ4_NL', 32, 18], // half d; u8 qs[16]
  ['IQ3_S', 256, 110], // half d; u8 qs[64]; u8 qh[8]; u8 signs[32]; u8 scales[4]
  ['IQ2_S', 256, 82], // half d; u8 qs[64]; u8 qh[8]; u8 scales[8]
  ['IQ4_XS', 256, 136], // half d; u16 scales_h; u8 scales_l[4]; u8 qs[128]
  ['I8', 1, 1],
  ['I16', 1, 2],
  ['I32', 1, 4],
  ['I64', 1, 8],
  ['F64', 1, 8],
  ['IQ1_M', 256, 56], // u8 qs[32]; u8 qh[16]; u8 scales[8] (the scale is packed into the scales)
  ['BF16', 1, 2],
  ['TQ1_0', 256, 54], // u8 qs[48]; u8 qh[4]; half d
  ['TQ2_0', 256, 66], // u8 qs[64]; half d
  ['MXFP4', 32, 17], // u8 e (E8M0 scale); u8 qs[16]
  ['NVFP4', 64, 36], // u8 d[4] (E4M3 scale per 16 values); u8 qs[32]
  ['Q1_0', 128, 18], // half d; u8 qs[16] (1 bit per value)
  ['Q2_0', 64, 18], // half d; u8 qs[16] (2 bits per value)
];

const BY_ID = new Map<number, GgmlTypeInfo>();
const BY_NAME = new Map<string, GgmlTypeInfo>();
for (const [name, blockSize, bytesPerBlock] of TABLE) {
  const info: GgmlTypeInfo = Object.freeze({
    type: GgmlType[name],
    name,
    blockSize,
    bytesPerBlock,
    quantized: blockSize > 1,
  });
  BY_ID.set(info.type, info);
  BY_NAME.set(name, info);
}

/** Every known type, in id order. */
export const ggmlTypes: readonly GgmlTypeInfo[] = [...BY_ID.values()].sort((a, b) => a.type - b.type);

/** True when `id` names a type this table knows. */
export function isKnownGgmlType(id: number): id is GgmlType {
  return BY_ID.has(id);
}

/**
 * Facts about a ggml type. Throws {@link GgufUnknownTypeError} for an id no ggml version defines
 * (`context` names the tensor, for the message).
 */
export function ggmlTypeInfo(type: GgmlType | number, context?: { tensor?: string; offset?: number }): GgmlTypeInfo {
  const info = BY_ID.get(type);
  if (!info) throw new GgufUnknownTypeError(type, context?.tensor, context?.offset);
  return info;
}

/** Looks a type up by its ggml name (`'Q4_K'`); undefined when unknown. */
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Number of bytes that `elements` values of `type` occupy. `elements` must be a multiple of the block size. */
export function ggmlByteSize(type: GgmlType, elements: number): number {
  const info = ggmlTypeInfo(type);
  if (elements % info.blockSize !== 0) {
    throw new RangeError(`${elements} elements is not a whole number of ${info.name} blocks of ${info.blockSize}`);
  }
  return (elements / info.blockSize) * info.bytesPerBlock;
}

/** Bytes of one row of `rowLength` values of `type`. */
export function ggmlRowSize(type: GgmlType, rowLength: number): number {
  return ggmlByteSize(type, rowLength);
}

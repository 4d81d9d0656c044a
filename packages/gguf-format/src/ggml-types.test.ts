import { describe, expect, it } from 'vitest';
import {
  GgmlType,
  GgufUnknownTypeError,
  ggmlByteSize,
  ggmlRowSize,
  ggmlTypeByName,
  ggmlTypeInfo,
  ggmlTypes,
  isKnownGgmlType,
} from './index.js';

const QK_K = 256;
const half = 2;

/**
 * Each type's block re-derived from its C struct in ggml-common.h (field by field), with its id from
 * ggml.h `enum ggml_type`; gguf-py's GGML_QUANT_SIZES gives the same pairs.
 */
const EXPECTED: Record<string, [id: number, blockSize: number, bytes: number]> = {
  F32: [0, 1, 4],
  F16: [1, 1, 2],
  Q4_0: [2, 32, half + 32 / 2],
  Q4_1: [3, 32, 2 * half + 32 / 2],
  Q5_0: [6, 32, half + 4 + 32 / 2],
  Q5_1: [7, 32, 2 * half + 4 + 32 / 2],
  Q8_0: [8, 32, half + 32],
  Q8_1: [9, 32, 2 * half + 32],
  Q2_K: [10, QK_K, QK_K / 16 + QK_K / 4 + 2 * half],
  Q3_K: [11, QK_K, QK_K / 8 + QK_K / 4 + 12 + half],
  Q4_K: [12, QK_K, 2 * half + 12 + QK_K / 2],
  Q5_K: [13, QK_K, 2 * half + 12 + QK_K / 8 + QK_K / 2],
  Q6_K: [14, QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + half],
  Q8_K: [15, QK_K, 4 + QK_K + 2 * (QK_K / 16)],
  IQ2_XXS: [16, QK_K, half + 2 * (QK_K / 8)],
  IQ2_XS: [17, QK_K, half + 2 * (QK_K / 8) + QK_K / 32],
  IQ3_XXS: [18, QK_K, half + (3 * QK_K) / 8],
  IQ1_S: [19, QK_K, half + QK_K / 8 + 2 * (QK_K / 32)],
  IQ4_NL: [20, 32, half + 32 / 2],
  IQ3_S: [21, QK_K, half + QK_K / 4 + QK_K / 32 + QK_K / 8 + QK_K / 64],
  IQ2_S: [22, QK_K, half + QK_K / 4 + QK_K / 32 + QK_K / 32],
  IQ4_XS: [23, QK_K, half + 2 + QK_K / 64 + QK_K / 2],
  I8: [24, 1, 1],
  I16: [25, 1, 2],
  I32: [26, 1, 4],
  I64: [27, 1, 8],
  F64: [28, 1, 8],
  IQ1_M: [29, QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32],
  BF16: [30, 1, 2],
  TQ1_0: [34, QK_K, (QK_K - 4 * (QK_K / 64)) / 5 + QK_K / 64 + half],
  TQ2_0: [35, QK_K, QK_K / 4 + half],
  MXFP4: [39, 32, 1 + 32 / 2],
  NVFP4: [40, 64, 64 / 16 + 64 / 2],
  Q1_0: [41, 128, half + 128 / 8],
  Q2_0: [42, 64, half + 64 / 4],
};

describe('the ggml type table', () => {
  it('has every type with the id, block size and block bytes of ggml', () => {
    expect(ggmlTypes.map((t) => t.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, [id, blockSize, bytes]] of Object.entries(EXPECTED)) {
      const info = ggmlTypeByName(name)!;
      expect(info, name).toMatchObject({ type: id, name, blockSize, bytesPerBlock: bytes, quantized: blockSize > 1 });
      expect(GgmlType[name as keyof typeof GgmlType]).toBe(id);
      expect(ggmlTypeInfo(id)).toBe(info);
    }
  });

  it('matches the block sizes that PITFALLS.md lists for the K-quants', () => {
    expect([10, 11, 12, 13, 14].map((id) => ggmlTypeInfo(id).bytesPerBlock)).toEqual([84, 110, 144, 176, 210]);
  });

  it('lists types in id order and leaves retired ids unknown', () => {
    const ids = ggmlTypes.map((t) => t.type);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const retired of [4, 5, 31, 32, 33, 36, 37, 38, 43, -1, 1.5]) {
      expect(isKnownGgmlType(retired)).toBe(false);
      expect(() => ggmlTypeInfo(retired, { tensor: 'w', offset: 9 })).toThrow(GgufUnknownTypeError);
    }
    expect(ggmlTypeByName('q4_k')?.type).toBe(GgmlType.Q4_K);
    expect(ggmlTypeByName('Q4_2')).toBeUndefined();
  });

  it('computes byte sizes of whole blocks and rejects partial blocks', () => {
    expect(ggmlByteSize(GgmlType.Q4_K, 4096 * 256)).toBe(4096 * 144);
    expect(ggmlRowSize(GgmlType.Q8_0, 4096)).toBe(128 * 34);
    expect(ggmlByteSize(GgmlType.F16, 3)).toBe(6);
    expect(() => ggmlByteSize(GgmlType.Q6_K, 100)).toThrow(RangeError);
  });
});

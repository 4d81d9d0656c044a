// The registry against gguf-format's type table: every module's block geometry agrees with it, the
// expected types are all there, and misuse fails with a QuantFormatError that says what to do.
import { GgmlType, type GgmlTypeName, ggmlTypeInfo } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { IQ4_NL_BLOCK, IQ4_NL_BYTES } from './iq4_nl.js';
import { IQ4_XS_BLOCK, IQ4_XS_BYTES } from './iq4_xs.js';
import { Q2_K_BLOCK, Q2_K_BYTES } from './q2_k.js';
import { Q3_K_BLOCK, Q3_K_BYTES } from './q3_k.js';
import { Q4_0_BLOCK, Q4_0_BYTES } from './q4_0.js';
import { Q4_1_BLOCK, Q4_1_BYTES } from './q4_1.js';
import { Q4_K_BLOCK, Q4_K_BYTES } from './q4_k.js';
import { Q5_0_BLOCK, Q5_0_BYTES } from './q5_0.js';
import { Q5_1_BLOCK, Q5_1_BYTES } from './q5_1.js';
import { Q5_K_BLOCK, Q5_K_BYTES } from './q5_k.js';
import { Q6_K_BLOCK, Q6_K_BYTES } from './q6_k.js';
import { Q8_0_BLOCK, Q8_0_BYTES } from './q8_0.js';
import {
  dequantize,
  QuantFormatError,
  quantFormat,
  quantizableWeightTypes,
  quantize,
  supportedWeightTypes,
} from './registry.js';

const GEOMETRY: Partial<Record<GgmlTypeName, [number, number]>> = {
  Q8_0: [Q8_0_BLOCK, Q8_0_BYTES],
  Q4_0: [Q4_0_BLOCK, Q4_0_BYTES],
  Q4_1: [Q4_1_BLOCK, Q4_1_BYTES],
  Q5_0: [Q5_0_BLOCK, Q5_0_BYTES],
  Q5_1: [Q5_1_BLOCK, Q5_1_BYTES],
  Q2_K: [Q2_K_BLOCK, Q2_K_BYTES],
  Q3_K: [Q3_K_BLOCK, Q3_K_BYTES],
  Q4_K: [Q4_K_BLOCK, Q4_K_BYTES],
  Q5_K: [Q5_K_BLOCK, Q5_K_BYTES],
  Q6_K: [Q6_K_BLOCK, Q6_K_BYTES],
  IQ4_NL: [IQ4_NL_BLOCK, IQ4_NL_BYTES],
  IQ4_XS: [IQ4_XS_BLOCK, IQ4_XS_BYTES],
};

const EXPECTED: GgmlTypeName[] = [
  'F32',
  'F16',
  'BF16',
  'Q8_0',
  'Q4_0',
  'Q4_1',
  'Q5_0',
  'Q5_1',
  'Q2_K',
  'Q3_K',
  'Q4_K',
  'Q5_K',
  'Q6_K',
  'IQ4_NL',
  'IQ4_XS',
];

describe('quant registry', () => {
  it('dequantizes and quantizes every weight type llamats supports', () => {
    const names = (types: GgmlType[]) => types.map((t) => ggmlTypeInfo(t).name).sort();
    expect(names(supportedWeightTypes())).toEqual([...EXPECTED].sort());
    expect(names(quantizableWeightTypes())).toEqual([...EXPECTED].sort());
    for (const t of supportedWeightTypes()) expect(quantFormat(t)!.type).toBe(t);
  });

  it("agrees with gguf-format's type table on block size and bytes per block", () => {
    for (const t of supportedWeightTypes()) {
      const info = ggmlTypeInfo(t);
      if (!info.quantized) continue;
      expect(GEOMETRY[info.name], info.name).toEqual([info.blockSize, info.bytesPerBlock]);
    }
    // the layouts PITFALLS.md lists, per 256 values
    const per256 = (n: GgmlTypeName) => (256 / GEOMETRY[n]![0]) * GEOMETRY[n]![1];
    expect([per256('Q2_K'), per256('Q3_K'), per256('Q4_K'), per256('Q5_K'), per256('Q6_K')]).toEqual([
      84, 110, 144, 176, 210,
    ]);
  });

  it('rejects lengths that are not whole blocks, short buffers and unsupported types', () => {
    const bytes = new Uint8Array(144 * 2);
    const out = new Float32Array(512);
    expect(() => dequantize(GgmlType.Q4_K, bytes, out, 100)).toThrow(QuantFormatError);
    expect(() => dequantize(GgmlType.Q4_K, bytes, out, 100)).toThrow(/multiple of 256/);
    expect(() => dequantize(GgmlType.Q4_K, bytes.subarray(0, 143), out, 256)).toThrow(/143 bytes/);
    expect(() => dequantize(GgmlType.Q4_K, bytes, out.subarray(0, 10), 256)).toThrow(QuantFormatError);
    expect(() => quantize(GgmlType.Q4_K, out, bytes.subarray(0, 100), 256)).toThrow(/need 144/);
    expect(() => dequantize(GgmlType.IQ2_XXS, bytes, out, 256)).toThrow(/IQ2_XXS/);
    const error = (() => {
      try {
        quantize(GgmlType.IQ2_XXS, out, bytes, 256);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(QuantFormatError);
    expect((error as QuantFormatError).type).toBe(GgmlType.IQ2_XXS);
  });
});

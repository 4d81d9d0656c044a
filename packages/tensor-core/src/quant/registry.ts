/**
 * The single dispatch point over ggml weight types for the TypeScript reference code: each supported type
 * registers its {@link QuantFormat} here, and callers ask {@link quantFormat} instead of switching on types.
 */
import { type GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { bf16Format } from './bf16.js';
import { f16Format } from './f16.js';
import { f32Format } from './f32.js';
import type { QuantFormat } from './format.js';
import { q8_0Format } from './q8_0.js';

const FORMATS = new Map<GgmlType, QuantFormat>(
  [f32Format, f16Format, bf16Format, q8_0Format].map((f) => [f.type, f]),
);

/** Registers a format (used by the per-type modules; last registration wins). */
export function registerQuantFormat(format: QuantFormat): void {
  FORMATS.set(format.type, format);
}

/** The reference format of a type, or undefined when llamats cannot compute with it. */
export function quantFormat(type: GgmlType): QuantFormat | undefined {
  return FORMATS.get(type);
}

export function supportedWeightTypes(): GgmlType[] {
  return [...FORMATS.keys()].sort((a, b) => a - b);
}

/** Dequantizes `n` values of `type` from `src` into `dst` (reference implementation). */
export function dequantize(type: GgmlType, src: Uint8Array, dst: Float32Array, n: number): void {
  const f = FORMATS.get(type);
  if (!f) throw new Error(`No dequantizer for ggml type ${ggmlTypeInfo(type).name}`);
  f.dequantize(src, dst, n);
}

/** Quantizes `n` f32 values to `type` (reference implementation). */
export function quantize(type: GgmlType, src: Float32Array, dst: Uint8Array, n: number): void {
  const f = FORMATS.get(type);
  if (!f?.quantize) throw new Error(`No quantizer for ggml type ${ggmlTypeInfo(type).name}`);
  f.quantize(src, dst, n);
}

/**
 * The single dispatch point over ggml weight types for the TypeScript reference code: each supported type
 * has one module (block layout in its header comment, dequantizer, quantizer) registered here, and callers
 * ask {@link quantFormat} instead of switching on types.
 */
import { type GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { bf16Format } from './bf16.js';
import { f16Format } from './f16.js';
import { f32Format } from './f32.js';
import type { QuantFormat } from './format.js';
import { iq4_nlFormat } from './iq4_nl.js';
import { iq4_xsFormat } from './iq4_xs.js';
import { q2_KFormat } from './q2_k.js';
import { q3_KFormat } from './q3_k.js';
import { q4_0Format } from './q4_0.js';
import { q4_1Format } from './q4_1.js';
import { q4_KFormat } from './q4_k.js';
import { q5_0Format } from './q5_0.js';
import { q5_1Format } from './q5_1.js';
import { q5_KFormat } from './q5_k.js';
import { q6_KFormat } from './q6_k.js';
import { q8_0Format } from './q8_0.js';

const FORMATS = new Map<GgmlType, QuantFormat>(
  [
    f32Format,
    f16Format,
    bf16Format,
    q8_0Format,
    q4_0Format,
    q4_1Format,
    q5_0Format,
    q5_1Format,
    q2_KFormat,
    q3_KFormat,
    q4_KFormat,
    q5_KFormat,
    q6_KFormat,
    iq4_nlFormat,
    iq4_xsFormat,
  ].map((f) => [f.type, f]),
);

/** Thrown when a type has no reference dequantizer / quantizer, or a length is not whole blocks. */
export class QuantFormatError extends Error {
  constructor(
    message: string,
    readonly type: GgmlType,
  ) {
    super(message);
    this.name = 'QuantFormatError';
  }
}

/** Registers a format (used by the per-type modules; last registration wins). */
export function registerQuantFormat(format: QuantFormat): void {
  FORMATS.set(format.type, format);
}

/** The reference format of a type, or undefined when llamats cannot compute with it. */
export function quantFormat(type: GgmlType): QuantFormat | undefined {
  return FORMATS.get(type);
}

/** Types with a reference dequantizer, in id order. */
export function supportedWeightTypes(): GgmlType[] {
  return [...FORMATS.keys()].sort((a, b) => a - b);
}

/** Types with a reference quantizer (what `llamats quantize` can write), in id order. */
export function quantizableWeightTypes(): GgmlType[] {
  return [...FORMATS.values()]
    .filter((f) => f.quantize)
    .map((f) => f.type)
    .sort((a, b) => a - b);
}

function checkLength(type: GgmlType, n: number, bytes: number, what: string): void {
  const info = ggmlTypeInfo(type);
  if (n % info.blockSize !== 0) {
    throw new QuantFormatError(
      `${n} values is not a whole number of ${info.name} blocks of ${info.blockSize}: pass a multiple of ${info.blockSize}`,
      type,
    );
  }
  const need = (n / info.blockSize) * info.bytesPerBlock;
  if (bytes < need) {
    throw new QuantFormatError(`${what} holds ${bytes} bytes but ${n} ${info.name} values need ${need}`, type);
  }
}

/** Dequantizes `n` values of `type` from `src` into `dst[0 .. n)` (reference implementation). */
export function dequantize(type: GgmlType, src: Uint8Array, dst: Float32Array, n: number): void {
  const f = FORMATS.get(type);
  if (!f) throw new QuantFormatError(`No dequantizer for ggml type ${ggmlTypeInfo(type).name}`, type);
  checkLength(type, n, src.byteLength, 'the source');
  if (dst.length < n) throw new QuantFormatError(`the destination holds ${dst.length} values, ${n} needed`, type);
  f.dequantize(src, dst, n);
}

/** Quantizes `n` f32 values to `type` into `dst` (reference implementation, as ggml's `quantize_row_*_ref`). */
export function quantize(type: GgmlType, src: Float32Array, dst: Uint8Array, n: number): void {
  const f = FORMATS.get(type);
  if (!f?.quantize) throw new QuantFormatError(`No quantizer for ggml type ${ggmlTypeInfo(type).name}`, type);
  checkLength(type, n, dst.byteLength, 'the destination');
  if (src.length < n) throw new QuantFormatError(`the source holds ${src.length} values, ${n} needed`, type);
  f.quantize(src, dst, n);
}

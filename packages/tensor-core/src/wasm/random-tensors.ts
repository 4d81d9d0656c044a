/**
 * Seeded random weights and activations for the kernel tests and benchmarks: values quantized by the
 * reference quantizers (realistic blocks), or raw random blocks whose half-precision scale fields are
 * replaced by finite values (every level pattern, no NaN scales).
 */
import { GgmlType, ggmlByteSize, ggmlTypeInfo } from '@llamats/gguf-format';
import { f32ToF16 } from '../f16.js';
import { quantize } from '../quant/registry.js';

/** A small fast PRNG (mulberry32): deterministic streams for tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values, roughly normal with standard deviation `scale` (sum of uniforms). */
export function randomValues(n: number, seed: number, scale = 1): Float32Array {
  const r = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() + r() + r() - 1.5) * 2 * scale;
  return out;
}

/**
 * Random values (standard deviation `scale`) quantized to `type` (the reference quantizer; F32 stores the
 * values). Real LLaMA weights have a standard deviation of about 0.02: at that scale some super-block
 * scales are subnormal halves (Q6_K's `d` especially), as in real models.
 */
export function randomWeightBytes(type: GgmlType, rows: number, cols: number, seed: number, scale = 1): Uint8Array {
  const values = randomValues(rows * cols, seed, scale);
  const out = new Uint8Array(ggmlByteSize(type, rows * cols));
  if (type === GgmlType.F32) out.set(new Uint8Array(values.buffer));
  else quantize(type, values, out, rows * cols);
  return out;
}

/** Byte offsets of the half-precision scale fields in one block of each quantized type. */
const HALF_FIELDS: Partial<Record<GgmlType, number[]>> = {
  [GgmlType.Q8_0]: [0],
  [GgmlType.Q4_0]: [0],
  [GgmlType.Q4_1]: [0, 2],
  [GgmlType.Q5_0]: [0],
  [GgmlType.Q5_1]: [0, 2],
  [GgmlType.IQ4_NL]: [0],
  [GgmlType.Q2_K]: [80, 82],
  [GgmlType.Q3_K]: [108],
  [GgmlType.Q4_K]: [0, 2],
  [GgmlType.Q5_K]: [0, 2],
  [GgmlType.Q6_K]: [208],
  [GgmlType.IQ4_XS]: [0],
};

/**
 * Random bytes for `rows x cols` values of `type`, with every block scale set to a finite half (random
 * sign and magnitude). F16 and BF16 get raw random bits: infinities and NaNs included.
 */
export function randomRawBlocks(type: GgmlType, rows: number, cols: number, seed: number): Uint8Array {
  const r = seededRandom(seed);
  const out = new Uint8Array(ggmlByteSize(type, rows * cols));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(r() * 256);
  if (type === GgmlType.F32) {
    const f = new Float32Array(out.buffer);
    for (let i = 0; i < f.length; i++) f[i] = (r() - 0.5) * 4;
  }
  const fields = HALF_FIELDS[type];
  if (fields) {
    const info = ggmlTypeInfo(type);
    for (let o = 0; o < out.length; o += info.bytesPerBlock) {
      for (const f of fields) {
        const h = f32ToF16((r() - 0.5) * 2 ** (Math.floor(r() * 12) - 8));
        out[o + f] = h & 0xff;
        out[o + f + 1] = h >> 8;
      }
    }
  }
  return out;
}

/**
 * `bytes` of `type` with every block's half-precision scale fields replaced by random subnormal halves
 * (below 2^-14, random sign): real models have them (Q6_K super-block scales often are), and the
 * kernels must convert them exactly. Returns a copy; types without half scale fields are returned as is.
 */
export function withSubnormalScales(type: GgmlType, bytes: Uint8Array, seed: number): Uint8Array {
  const out = bytes.slice();
  const fields = HALF_FIELDS[type];
  if (!fields) return out;
  const r = seededRandom(seed);
  const block = ggmlTypeInfo(type).bytesPerBlock;
  for (let o = 0; o < out.length; o += block) {
    for (const f of fields) {
      const h = (1 + Math.floor(r() * 0x3ff)) | (r() < 0.5 ? 0x8000 : 0);
      out[o + f] = h & 0xff;
      out[o + f + 1] = h >> 8;
    }
  }
  return out;
}

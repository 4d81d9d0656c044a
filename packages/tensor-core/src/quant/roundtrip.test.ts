// quantize -> dequantize on seeded Gaussian data: the relative RMS error of every type stays at what the
// reference quantizers achieve (measured values in the table, bounds ~10% above them), the types order
// by bits as they should, requantizing dequantized data is stable, and all-zero input stays exactly zero.
import { type GgmlTypeName, ggmlTypeByName, ggmlTypeInfo } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { relRms } from '../wasm/reference-products.js';
import { dequantize, quantizableWeightTypes, quantize } from './registry.js';

/** Seeded normal samples (mulberry32 + Box-Muller), scaled like LLM weights. */
function gaussian(n: number, seed: number, sigma: number): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = sigma * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return x;
}

function roundTrip(name: GgmlTypeName, x: Float32Array): { q: Uint8Array; y: Float32Array } {
  const info = ggmlTypeByName(name)!;
  const q = new Uint8Array((x.length / info.blockSize) * info.bytesPerBlock);
  quantize(info.type, x, q, x.length);
  const y = new Float32Array(x.length);
  dequantize(info.type, q, y, x.length);
  return { q, y };
}

// rel-RMS of quantize -> dequantize on 131072 N(0, 0.02) values (seed 1234), as measured.
const MEASURED: Partial<Record<GgmlTypeName, number>> = {
  F32: 0,
  F16: 0.0002,
  BF16: 0.0016,
  Q8_0: 0.0053,
  Q6_K: 0.0177,
  Q5_K: 0.0363,
  Q5_1: 0.0382,
  Q5_0: 0.0426,
  Q4_K: 0.0715,
  IQ4_NL: 0.0756,
  IQ4_XS: 0.0761,
  Q4_1: 0.0781,
  Q4_0: 0.0852,
  Q3_K: 0.1506,
  Q2_K: 0.2968,
};

describe('quantize -> dequantize error', () => {
  const x = gaussian(256 * 512, 1234, 0.02);
  const errors = new Map<GgmlTypeName, number>();

  for (const type of quantizableWeightTypes()) {
    const name = ggmlTypeInfo(type).name;
    it(`${name}: rel-RMS within 10% of the measured ${MEASURED[name]}`, () => {
      const { y } = roundTrip(name, x);
      const e = relRms(y, x);
      errors.set(name, e);
      expect(MEASURED[name], `a measured error for ${name}`).toBeDefined();
      expect(e).toBeLessThanOrEqual(MEASURED[name]! * 1.1 + 1e-6);
      if (name !== 'F32') expect(e).toBeGreaterThan(0);
    });
  }

  it('orders the types by precision', () => {
    const e = (n: GgmlTypeName) => errors.get(n) ?? relRms(roundTrip(n, x).y, x);
    const order: GgmlTypeName[] = ['F32', 'F16', 'BF16', 'Q8_0', 'Q6_K', 'Q5_K', 'Q4_K', 'Q3_K', 'Q2_K'];
    for (let i = 1; i < order.length; i++) expect(e(order[i]), order[i]).toBeGreaterThan(e(order[i - 1]));
    expect(e('Q5_0')).toBeLessThan(e('Q4_0'));
    expect(e('Q5_1')).toBeLessThan(e('Q4_1'));
    expect(e('IQ4_NL')).toBeLessThan(e('Q4_0'));
  });
});

describe('requantizing dequantized data', () => {
  const x = gaussian(256 * 256, 99, 0.02);
  // Types whose quantizer maps its own output back to the same bytes (llama.cpp's would too: they are bit exact).
  for (const name of ['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q4_K'] as GgmlTypeName[]) {
    it(`${name}: gives back the same bytes`, () => {
      const { q, y } = roundTrip(name, x);
      const again = roundTrip(name, y);
      expect(Buffer.compare(Buffer.from(again.q), Buffer.from(q))).toBe(0);
    });
  }
  // The others refit scales from already-quantized values; the values they give back stay close.
  for (const name of ['Q2_K', 'Q3_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS'] as GgmlTypeName[]) {
    it(`${name}: values stay within 4% of the first round`, () => {
      const { y } = roundTrip(name, x);
      expect(relRms(roundTrip(name, y).y, y)).toBeLessThan(0.04);
    });
  }
});

describe('edge inputs', () => {
  for (const type of quantizableWeightTypes()) {
    const info = ggmlTypeInfo(type);
    const n = Math.max(info.blockSize, 32) * 2;
    it(`${info.name}: zeros stay exactly zero; a lone spike survives`, () => {
      const zeros = roundTrip(info.name, new Float32Array(n)).y;
      expect(zeros.every((v) => v === 0)).toBe(true);
      const spike = new Float32Array(n);
      spike[n - 3] = 0.5;
      const y = roundTrip(info.name, spike).y;
      expect(y.every(Number.isFinite)).toBe(true);
      expect(Math.abs(y[n - 3] - 0.5)).toBeLessThan(0.5 * 0.05);
    });
  }
});

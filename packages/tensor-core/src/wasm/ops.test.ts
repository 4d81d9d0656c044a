// The non-matmul ops of the wasm backend against the reference backend on random data: the same calls on
// both, results compared (f32 kernels vs f64 reference math: rel-RMS below 1e-5 unless stated).
import { GgmlType } from '@llamats/gguf-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivationType, AttentionParams, Backend, KvCacheSpec, RopeParams, Tensor } from '../backend.js';
import { f16ToF32 } from '../f16.js';
import { ReferenceBackend } from '../reference-backend.js';
import { randomValues } from './random-tensors.js';
import { relRms } from './reference-products.js';
import { createWasmBackend } from './wasm-backend.js';

/** A pair of tensors, one per backend, holding the same values. */
interface Pair {
  w: Tensor;
  r: Tensor;
}

describe('wasm ops vs reference', () => {
  let wasm: Backend;
  const ref: Backend = new ReferenceBackend();
  beforeAll(async () => {
    wasm = await createWasmBackend({ threads: 1 });
  });
  afterAll(() => wasm.dispose());

  function tensor(name: string, shape: number[], seed?: number, scale = 1): Pair {
    const p = { w: wasm.createTensor(name, shape), r: ref.createTensor(name, shape) };
    if (seed !== undefined) {
      const v = randomValues(
        shape.reduce((a, b) => a * b, 1),
        seed,
        scale,
      );
      wasm.writeTensor(p.w, v);
      ref.writeTensor(p.r, v);
    }
    return p;
  }

  function f32Weight(name: string, values: Float32Array): Pair {
    const spec = { name, type: GgmlType.F32, shape: [values.length] };
    const p = { w: wasm.createWeight(spec), r: ref.createWeight(spec) };
    const bytes = new Uint8Array(values.buffer.slice(0));
    wasm.uploadWeight(p.w, 0, bytes);
    ref.uploadWeight(p.r, 0, bytes);
    return p;
  }

  async function compare(p: Pair, bound = 1e-5): Promise<number> {
    const e = relRms(await wasm.readTensor(p.w), await ref.readTensor(p.r));
    expect(e).toBeLessThan(bound);
    return e;
  }

  it('rmsNorm, in place and into another tensor, with an F32 weight', async () => {
    const x = tensor('x', [5, 300], 1, 3);
    const out = tensor('out', [5, 300]);
    const g = f32Weight('norm', randomValues(300, 2));
    wasm.rmsNorm(out.w, x.w, g.w, 1e-5, 4);
    ref.rmsNorm(out.r, x.r, g.r, 1e-5, 4);
    await compare(out);
    wasm.rmsNorm(x.w, x.w, g.w, 1e-6, 5);
    ref.rmsNorm(x.r, x.r, g.r, 1e-6, 5);
    await compare(x);
  });

  it('add and swiglu over the first n rows, aliasing the output with an input', async () => {
    const a = tensor('a', [4, 200], 3, 4);
    const b = tensor('b', [4, 200], 4, 4);
    wasm.add(a.w, a.w, b.w, 3);
    ref.add(a.r, a.r, b.r, 3);
    await compare(a, 1e-7);
    const g = tensor('g', [4, 203], 5, 6);
    const u = tensor('u', [4, 203], 6);
    wasm.swiglu(g.w, g.w, u.w, 4);
    ref.swiglu(g.r, g.r, u.r, 4);
    await compare(g, 1e-6);
  });

  const ropeCases: [string, Partial<RopeParams>][] = [
    ['normal', { mode: 'normal' }],
    ['neox', { mode: 'neox' }],
    ['normal, partial rotation and linear scaling', { mode: 'normal', nDims: 24, freqScale: 0.25 }],
    ['neox, partial rotation', { mode: 'neox', nDims: 36, freqBase: 500000 }],
  ];
  for (const [label, over] of ropeCases) {
    it(`rope: ${label}`, async () => {
      const p: RopeParams = {
        nHead: 3,
        headDim: 64,
        nDims: 64,
        mode: 'normal',
        freqBase: 10000,
        freqScale: 1,
        ...over,
      };
      const x = tensor('q', [4, 3 * 64], 7);
      const positions = Int32Array.from([0, 5, 17, 4000]);
      wasm.rope(x.w, positions, p);
      ref.rope(x.r, positions, p);
      await compare(x, 2e-6);
    });
  }

  it('rope with per-dimension frequency factors (rope_freqs), then again with the cached table', async () => {
    const factors = Float32Array.from({ length: 32 }, (_, i) => 1 + i / 4);
    const f = f32Weight('rope_freqs.weight', factors);
    const base: Omit<RopeParams, 'freqFactors'> = {
      nHead: 2,
      headDim: 64,
      nDims: 64,
      mode: 'normal',
      freqBase: 500000,
      freqScale: 1,
    };
    const x = tensor('k', [3, 128], 8);
    const positions = Int32Array.from([1, 2, 900]);
    for (let i = 0; i < 2; i++) {
      wasm.rope(x.w, positions, { ...base, freqFactors: f.w });
      ref.rope(x.r, positions, { ...base, freqFactors: f.r });
    }
    await compare(x, 2e-6);
  });

  it('copyRows', async () => {
    const s = tensor('s', [4, 50], 9);
    const d = tensor('d', [3, 50], 10);
    wasm.copyRows(d.w, s.w, 2, 1, 2);
    ref.copyRows(d.r, s.r, 2, 1, 2);
    expect(Array.from(await wasm.readTensor(d.w))).toEqual(Array.from(await ref.readTensor(d.r)));
  });

  it('rowsView: ops read and write the viewed rows of the parent, and only those', async () => {
    const x = tensor('x', [6, 40], 11);
    const out = tensor('out_v', [6, 40], 13);
    const g = f32Weight('norm_v', randomValues(40, 12));
    const before = await wasm.readTensor(out.w);
    // out rows 3, 4 = rmsNorm of x rows 2, 3, through views on both backends
    wasm.rmsNorm(wasm.rowsView!(out.w, 3, 3), wasm.rowsView!(x.w, 2, 3), g.w, 1e-5, 2);
    ref.rmsNorm(ref.rowsView!(out.r, 3, 3), ref.rowsView!(x.r, 2, 3), g.r, 1e-5, 2);
    await compare(out);
    const got = await wasm.readTensor(out.w);
    expect(got.subarray(0, 3 * 40)).toEqual(before.subarray(0, 3 * 40));
    expect(got.subarray(5 * 40)).toEqual(before.subarray(5 * 40));
    const direct = ref.createTensor('direct', [2, 40]);
    ref.copyRows(direct, x.r, 2, 0, 2);
    ref.rmsNorm(direct, direct, g.r, 1e-5, 2);
    expect(relRms(got.subarray(3 * 40, 5 * 40), await ref.readTensor(direct))).toBeLessThan(1e-5);
  });

  it('rowsView: shape, bounds, and what freeing does', () => {
    const x = wasm.createTensor('parent', [4, 8]);
    const v = wasm.rowsView!(x, 1, 2);
    expect(v.shape).toEqual([2, 8]);
    expect(() => wasm.rowsView!(x, 3, 2)).toThrow(/rows \[3, 5\) are not within the 4 rows of parent/);
    wasm.free(v); // a view: the parent stays usable
    wasm.writeTensor(x, new Float32Array(32).fill(1));
    const v2 = wasm.rowsView!(x, 0, 1);
    wasm.free(x);
    expect(() => wasm.writeTensor(v2, new Float32Array(8))).toThrow(/parent \(viewed by parent\[0:1\]\) was freed/);
  });

  const attentionCases: [string, number, number, number, ActivationType][] = [
    ['GQA, f32 cache', 8, 2, 32, 'f32'],
    ['GQA, f16 cache', 8, 2, 32, 'f16'],
    ['MQA, head 64, f16 cache', 4, 1, 64, 'f16'],
    ['MHA, head 128, f32 cache', 2, 2, 128, 'f32'],
    // 3 query heads per KV head: a pair and a single one; heads of 20 and 68 values end in 4-value tails
    ['GQA of 3, head 20, f16 cache', 6, 2, 20, 'f16'],
    ['MHA, head 68, f16 cache', 3, 3, 68, 'f16'],
  ];
  for (const [label, nHead, nHeadKv, headDim, type] of attentionCases) {
    it(`writeKv + attention: ${label}, a prompt batch then single tokens past one chunk`, async () => {
      const spec: KvCacheSpec = { nLayer: 2, nCtx: 160, nHeadKv, headDim, type };
      const cw = wasm.createKvCache(spec);
      const cr = ref.createKvCache(spec);
      const kvDim = nHeadKv * headDim;
      const qDim = nHead * headDim;
      const steps: [number, number][] = [
        [0, 70],
        [70, 1],
        [71, 1],
        [72, 9],
      ];
      let seed = 100;
      for (const [pos0, n] of steps) {
        const k = tensor('k', [70, kvDim], seed++);
        const v = tensor('v', [70, kvDim], seed++);
        const q = tensor('q', [70, qDim], seed++, 2);
        const out = tensor('out', [70, qDim]);
        wasm.writeKv(cw, 1, pos0, k.w, v.w, n);
        ref.writeKv(cr, 1, pos0, k.r, v.r, n);
        const p: AttentionParams = { nHead, nHeadKv, headDim, pos0, scale: 1 / Math.sqrt(headDim) };
        wasm.attention(out.w, q.w, cw, 1, n, p);
        ref.attention(out.r, q.r, cr, 1, n, p);
        const e = relRms(
          (await wasm.readTensor(out.w)).subarray(0, n * qDim),
          (await ref.readTensor(out.r)).subarray(0, n * qDim),
        );
        expect(e, `pos0 ${pos0}`).toBeLessThan(2e-6);
        for (const t of [k, v, q, out]) {
          wasm.free(t.w);
          ref.free(t.r);
        }
      }
      // the cache contents agree too (f16 rounding is the same on both)
      const sw = new Float32Array((await wasm.saveKvCache(cw, 81)).buffer);
      const sr = new Float32Array((await ref.saveKvCache(cr, 81)).buffer);
      expect(Array.from(sw)).toEqual(Array.from(sr));
      wasm.free(cw);
      ref.free(cr);
    });
  }

  for (const type of ['f32', 'f16'] as const) {
    it(`shiftKv (${type}): moves cells and re-rotates keys like the reference`, async () => {
      const spec: KvCacheSpec = { nLayer: 2, nCtx: 40, nHeadKv: 2, headDim: 32, type };
      const cw = wasm.createKvCache(spec);
      const cr = ref.createKvCache(spec);
      const k = tensor('k', [30, 64], 31);
      const v = tensor('v', [30, 64], 32);
      for (const l of [0, 1]) {
        wasm.writeKv(cw, l, 0, k.w, v.w, 30);
        ref.writeKv(cr, l, 0, k.r, v.r, 30);
      }
      const rope: RopeParams = { nHead: 2, headDim: 32, nDims: 32, mode: 'neox', freqBase: 10000, freqScale: 1 };
      wasm.shiftKv(cw, 10, 4, 20, -6, rope);
      ref.shiftKv(cr, 10, 4, 20, -6, rope);
      const sw = new Float32Array((await wasm.saveKvCache(cw, 24)).buffer);
      const sr = new Float32Array((await ref.saveKvCache(cr, 24)).buffer);
      // f16: one value may round to the neighbouring half (f32 vs f64 rotation before rounding)
      expect(relRms(sw, sr)).toBeLessThan(type === 'f16' ? 1e-3 : 2e-6);
    });
  }

  it('attention widens subnormal f16 cache values exactly', async () => {
    // values around 1e-6 are subnormal halves (below 2^-14); the attention kernel widens them with its
    // own conversion (attention.ts widen8), the reference with a table
    const spec: KvCacheSpec = { nLayer: 1, nCtx: 40, nHeadKv: 2, headDim: 36, type: 'f16' };
    const cw = wasm.createKvCache(spec);
    const cr = ref.createKvCache(spec);
    const k = tensor('k', [37, 72], 61);
    const v = tensor('v', [37, 72], 62, 1e-6);
    const q = tensor('q', [37, 144], 63);
    const out = tensor('out', [37, 144]);
    wasm.writeKv(cw, 0, 0, k.w, v.w, 37);
    ref.writeKv(cr, 0, 0, k.r, v.r, 37);
    const p: AttentionParams = { nHead: 4, nHeadKv: 2, headDim: 36, pos0: 0, scale: 1 / 6 };
    wasm.attention(out.w, q.w, cw, 0, 37, p);
    ref.attention(out.r, q.r, cr, 0, 37, p);
    expect(relRms(await wasm.readTensor(out.w), await ref.readTensor(out.r))).toBeLessThan(2e-6);
  });

  it('writes an f16 cache with the same bits as the reference for every half, tie and edge', async () => {
    // The wasm kernel converts 8 values at a time without branches; the reference rounds one value at a
    // time. Inputs: every half, the midpoints between neighbours (ties, even and odd), values just either
    // side of them, and the edges: overflow to infinity, subnormals, underflow to zero, NaN, signs.
    const halves = new Float32Array(1 << 16);
    for (let h = 0; h < 1 << 16; h++) halves[h] = f16ToF32(h);
    const values: number[] = [];
    for (let h = 0; h < 0x7c00; h++) {
      for (const sign of [1, -1]) {
        const a = halves[h];
        const mid = (a + (h + 1 < 0x7c00 ? halves[h + 1] : 65520)) / 2;
        values.push(sign * a, sign * mid, sign * mid * (1 + 2 ** -20), sign * mid * (1 - 2 ** -20));
      }
    }
    values.push(65504, 65519, 65520, 65536, 1e10, 2 ** -25, 2 ** -26, 1.5 * 2 ** -25, 2 ** -24, 0, -0);
    values.push(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, -Number.NaN);
    const headDim = 4; // 4-value rows: the kernel's tail path runs too
    const n = Math.ceil(values.length / headDim / 8) * 8 + 3;
    const data = new Float32Array(n * headDim);
    data.set(values);
    const two = await createWasmBackend({ threads: 2, parallelThreshold: 0 });
    try {
      const spec: KvCacheSpec = { nLayer: 1, nCtx: n, nHeadKv: 1, headDim, type: 'f16' };
      const caches = [two.createKvCache(spec), ref.createKvCache(spec)];
      const saved: Uint8Array[] = [];
      for (const [i, b] of [two, ref].entries()) {
        const k = b.createTensor('k', [n, headDim]);
        b.writeTensor(k, data);
        b.writeKv(caches[i], 0, 0, k, k, n);
        saved.push(await b.saveKvCache(caches[i], n));
      }
      // compared as the f32 values saveKvCache widens the halves to (NaN bit patterns may differ)
      const [a, b] = saved.map((x) => new Float32Array(x.buffer, x.byteOffset, x.byteLength / 4));
      expect(a.length).toBe(b.length);
      const differing = a.findIndex((x, i) => !Object.is(x, b[i]));
      const input = differing > 0 ? data[(differing - 1) % data.length] : undefined;
      expect(differing, `value ${input}: wasm ${a[differing]}, reference ${b[differing]}`).toBe(-1);
    } finally {
      two.dispose();
    }
  });

  it('loadKvCache restores what saveKvCache wrote, across backends, and rejects foreign data', async () => {
    const spec: KvCacheSpec = { nLayer: 2, nCtx: 16, nHeadKv: 1, headDim: 8, type: 'f16' };
    const cr = ref.createKvCache(spec);
    const k = tensor('k', [5, 8], 41);
    const v = tensor('v', [5, 8], 42);
    ref.writeKv(cr, 0, 0, k.r, v.r, 5);
    ref.writeKv(cr, 1, 0, v.r, k.r, 5);
    const saved = await ref.saveKvCache(cr, 5);
    const cw = wasm.createKvCache(spec);
    expect(wasm.loadKvCache(cw, saved)).toBe(5);
    expect(Array.from(new Float32Array((await wasm.saveKvCache(cw, 5)).buffer))).toEqual(
      Array.from(new Float32Array(saved.buffer)),
    );
    const other = wasm.createKvCache({ ...spec, headDim: 16 });
    expect(() => wasm.loadKvCache(other, saved)).toThrow(/does not match/);
  });

  it('readTensor of a weight gives its dequantized values', async () => {
    const values = randomValues(64, 50);
    const f = f32Weight('w', values);
    expect(Array.from(await wasm.readTensor(f.w, 3, 5))).toEqual(Array.from(values.subarray(3, 8)));
  });

  it('reports misuse with errors that name the tensors', () => {
    const a = wasm.createTensor('a', [2, 8]);
    const b = wasm.createTensor('b', [2, 9]);
    expect(() => wasm.add(a, a, b, 2)).toThrow(/b/);
    expect(() => wasm.add(a, a, a, 3)).toThrow(/3 rows/);
    wasm.free(b);
    expect(() => wasm.add(a, a, b, 1)).toThrow(/freed/);
    expect(() => wasm.writeTensor(a, new Float32Array(17))).toThrow(/overflows/);
  });
});

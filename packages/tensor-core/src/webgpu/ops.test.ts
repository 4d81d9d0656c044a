// Every non-matmul op against the reference backend on every test adapter configuration, including the
// aliasing cases the interface allows (out = a, out = gate, in-place RMSNorm, copies within one tensor).
import { GgmlType } from '@llamats/gguf-format';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ActivationType, Backend, KvCache, RopeParams, Tensor } from '../backend.js';
import { ReferenceBackend } from '../reference-backend.js';
import {
  createTestBackend,
  ensureSoftwareVulkan,
  gaussian,
  maxAbsDiff,
  onBoth,
  relRms,
  TEST_CONFIGS,
} from './testing.js';
import type { WebGpuBackend } from './webgpu-backend.js';

// software GPUs on a loaded 2-core machine can be many times slower than usual
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
const setup = ensureSoftwareVulkan();
if (!setup.ok) console.warn(`WebGPU tests skipped: ${setup.reason}`);

/** An F32 weight holding `values`. */
async function f32Weight(be: Backend, name: string, values: Float32Array): Promise<Tensor> {
  const w = be.createWeight({ name, type: GgmlType.F32, shape: [values.length] });
  await be.uploadWeight(w, 0, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return w;
}

function tensorOf(be: Backend, name: string, rows: number, cols: number, seed: number): Tensor {
  const t = be.createTensor(name, [rows, cols]);
  be.writeTensor(t, gaussian(rows * cols, seed));
  return t;
}

describe.skipIf(!setup.ok).each(TEST_CONFIGS)('$name', (config) => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await createTestBackend(config.adapter, config.options);
  });
  afterAll(() => gpu?.dispose());

  it('rmsNorm, into another tensor and in place', async () => {
    const g = gaussian(96, 9);
    const r = await onBoth(gpu, async (be) => {
      const w = await f32Weight(be, 'norm', g);
      const x = tensorOf(be, 'x', 6, 96, 1);
      const out = be.createTensor('out', [6, 96]);
      be.rmsNorm(out, x, w, 1e-5, 5);
      const y = tensorOf(be, 'y', 3, 96, 2);
      be.rmsNorm(y, y, w, 1e-6, 3);
      return [out, y];
    });
    expect(relRms(r.gpu[0], r.ref[0])).toBeLessThan(1e-6);
    expect(r.gpu[0].subarray(5 * 96)).toEqual(new Float32Array(96)); // row 5 untouched
    expect(relRms(r.gpu[1], r.ref[1])).toBeLessThan(1e-6);
  });

  // 16-byte loads for rows of a multiple of 4 (several per invocation for 4100 values), scalar otherwise
  it.each([4100, 90])('rmsNorm of rows of %i values', async (cols) => {
    const g = gaussian(cols, 10);
    const r = await onBoth(gpu, async (be) => {
      const w = await f32Weight(be, 'norm', g);
      const x = tensorOf(be, 'x', 2, cols, 3);
      const out = be.createTensor('out', [2, cols]);
      be.rmsNorm(out, x, w, 1e-5, 2);
      return [out];
    });
    expect(relRms(r.gpu[0], r.ref[0])).toBeLessThan(1e-6);
  });

  it.each([
    { mode: 'normal', nDims: 32, factors: false },
    { mode: 'neox', nDims: 32, factors: false },
    { mode: 'normal', nDims: 16, factors: true },
    { mode: 'neox', nDims: 24, factors: true },
  ] as const)('rope $mode, $nDims of 32 dims, factors: $factors', async ({ mode, nDims, factors }) => {
    const positions = Int32Array.from([0, 1, 7, 300, 4099, 2]);
    const ff = Float32Array.from({ length: nDims / 2 }, (_, i) => 1 + i * 0.37);
    const r = await onBoth(gpu, async (be) => {
      const q = tensorOf(be, 'q', 8, 3 * 32, 3);
      const params: RopeParams = {
        nHead: 3,
        headDim: 32,
        nDims,
        mode,
        freqBase: 10000,
        freqScale: 0.5,
        freqFactors: factors ? await f32Weight(be, 'rope_freqs', ff) : undefined,
      };
      be.rope(q, positions, params);
      return [q];
    });
    // f32 angles: the error grows with the position (ggml computes in f32 as well)
    expect(maxAbsDiff(r.gpu[0], r.ref[0])).toBeLessThan(2e-3);
    expect(relRms(r.gpu[0], r.ref[0])).toBeLessThan(2e-4);
  });

  it('add and swiglu, with every aliasing the interface allows', async () => {
    const r = await onBoth(gpu, (be) => {
      const a = tensorOf(be, 'a', 4, 40, 4);
      const b = tensorOf(be, 'b', 4, 40, 5);
      const out = be.createTensor('out', [4, 40]);
      be.add(out, a, b, 3);
      const c = tensorOf(be, 'c', 4, 40, 6);
      be.add(c, c, b, 4); // out = a
      const d = tensorOf(be, 'd', 4, 40, 7);
      be.add(d, a, d, 2); // out = b
      const e = tensorOf(be, 'e', 4, 40, 8);
      be.add(e, e, e, 4); // out = a = b
      const s = be.createTensor('s', [4, 40]);
      be.swiglu(s, a, b, 4);
      const gate = tensorOf(be, 'gate', 4, 40, 9);
      be.swiglu(gate, gate, b, 4); // out = gate
      const up = tensorOf(be, 'up', 4, 40, 10);
      be.swiglu(up, a, up, 4); // out = up
      return [out, c, d, e, s, gate, up];
    });
    for (let i = 0; i < r.ref.length; i++) expect(relRms(r.gpu[i], r.ref[i]), `output ${i}`).toBeLessThan(1e-6);
  });

  it('copyRows between tensors and within one', async () => {
    const r = await onBoth(gpu, (be) => {
      const a = tensorOf(be, 'a', 5, 24, 11);
      const b = be.createTensor('b', [3, 24]);
      be.copyRows(b, a, 4, 1, 1);
      be.copyRows(a, a, 0, 2, 3); // overlapping
      return [b, a];
    });
    expect(r.gpu).toEqual(r.ref);
  });

  describe.each([
    { kv: 'f32', nHead: 4, nHeadKv: 2, headDim: 64 },
    { kv: 'f16', nHead: 4, nHeadKv: 2, headDim: 64 },
    { kv: 'f16', nHead: 2, nHeadKv: 2, headDim: 128 },
    { kv: 'f32', nHead: 4, nHeadKv: 1, headDim: 256 },
    { kv: 'f16', nHead: 8, nHeadKv: 1, headDim: 32 },
  ] as const)('KV cache $kv, $nHead/$nHeadKv heads of $headDim', ({ kv, nHead, nHeadKv, headDim }) => {
    const spec = { nLayer: 2, nCtx: 96, nHeadKv, headDim, type: kv as ActivationType };
    const qDim = nHead * headDim;
    const kvDim = nHeadKv * headDim;
    const attn = (pos0: number) => ({ nHead, nHeadKv, headDim, pos0, scale: 1 / Math.sqrt(headDim) });

    /** Prefill 70 tokens into layer 1 (more than one 64-cell tile), then decode one more. */
    async function fill(be: Backend): Promise<{ cache: KvCache; outs: Tensor[] }> {
      const cache = be.createKvCache(spec);
      const k = tensorOf(be, 'k', 70, kvDim, 20);
      const v = tensorOf(be, 'v', 70, kvDim, 21);
      const q = tensorOf(be, 'q', 70, qDim, 22);
      const out = be.createTensor('out', [70, qDim]);
      be.writeKv(cache, 1, 0, k, v, 70);
      be.attention(out, q, cache, 1, 70, attn(0));
      const k1 = tensorOf(be, 'k1', 1, kvDim, 23);
      const v1 = tensorOf(be, 'v1', 1, kvDim, 24);
      const q1 = tensorOf(be, 'q1', 1, qDim, 25);
      const out1 = be.createTensor('out1', [1, qDim]);
      be.writeKv(cache, 1, 70, k1, v1, 1);
      be.attention(out1, q1, cache, 1, 1, attn(70));
      return { cache, outs: [out, out1] };
    }

    it('writeKv + attention (prefill and decode)', async () => {
      const r = await onBoth(gpu, async (be) => (await fill(be)).outs);
      expect(relRms(r.gpu[0], r.ref[0])).toBeLessThan(kv === 'f32' ? 1e-5 : 2e-3);
      expect(relRms(r.gpu[1], r.ref[1])).toBeLessThan(kv === 'f32' ? 1e-5 : 2e-3);
    });

    it('saveKvCache matches the reference format; loadKvCache restores it', async () => {
      const ref = new ReferenceBackend();
      const a = await fill(ref);
      const b = await fill(gpu);
      const refBytes = await ref.saveKvCache(a.cache, 71);
      const gpuBytes = await gpu.saveKvCache(b.cache, 71);
      expect(gpuBytes.byteLength).toBe(refBytes.byteLength);
      const fr = new Float32Array(refBytes.buffer);
      const fg = new Float32Array(gpuBytes.buffer);
      expect(relRms(fg, fr)).toBeLessThan(kv === 'f32' ? 1e-7 : 1e-3);
      // a fresh GPU cache restored from the reference's bytes attends like the reference
      const c2 = gpu.createKvCache(spec);
      expect(gpu.loadKvCache(c2, refBytes)).toBe(71);
      const q = tensorOf(gpu, 'q', 1, qDim, 25);
      const out = gpu.createTensor('out', [1, qDim]);
      gpu.attention(out, q, c2, 1, 1, attn(70));
      const got = await gpu.readTensor(out);
      const want = await ref.readTensor(a.outs[1]);
      expect(relRms(got, want)).toBeLessThan(kv === 'f32' ? 1e-5 : 2e-3);
      for (const t of [b.cache, c2, q, out, ...b.outs]) gpu.free(t);
    });

    it.each(['normal', 'neox'] as const)('shiftKv re-rotates keys (%s)', async (mode) => {
      const rope: RopeParams = { nHead: nHeadKv, headDim, nDims: headDim, mode, freqBase: 10000, freqScale: 1 };
      const ref = new ReferenceBackend();
      const saved: Uint8Array[] = [];
      for (const be of [ref, gpu] as Backend[]) {
        const { cache } = await fill(be);
        be.shiftKv(cache, 30, 4, 41, -26, rope);
        saved.push(await be.saveKvCache(cache, 45));
        be.free(cache);
      }
      expect(relRms(new Float32Array(saved[1].buffer), new Float32Array(saved[0].buffer))).toBeLessThan(
        kv === 'f32' ? 1e-5 : 1e-3,
      );
    });
  });
});

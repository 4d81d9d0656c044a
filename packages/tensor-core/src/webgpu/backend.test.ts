// Backend behaviour beyond single kernels: weights split across bindings, uploads in arbitrary chunks,
// one submit per recorded pass, no pipeline or bind-group creation in steady state, arena overflow,
// typed errors (unsupported type, no adapter, device lost, limits).
import { GgmlType, ggmlByteSize } from '@llamats/gguf-format';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AttentionParams,
  type Backend,
  BackendError,
  type RopeParams,
  type Tensor,
  UnsupportedTypeError,
} from '../backend.js';
import { ReferenceBackend } from '../reference-backend.js';
import { isWebGpuAvailable } from './acquire.js';
import {
  GpuDeviceLostError,
  GpuInternalError,
  GpuLimitError,
  GpuOutOfMemoryError,
  WebGpuUnavailableError,
} from './errors.js';
import {
  createTestBackend,
  ensureSoftwareVulkan,
  gaussian,
  maxAbsDiff,
  onBoth,
  randomWeightBytes,
  relRms,
  TEST_ADAPTERS,
} from './testing.js';
import { WebGpuBackend } from './webgpu-backend.js';

// software GPUs on a loaded 2-core machine can be many times slower than usual
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
const setup = ensureSoftwareVulkan();
if (!setup.ok) console.warn(`WebGPU tests skipped: ${setup.reason}`);
const lavapipe = TEST_ADAPTERS[0];

describe.skipIf(!setup.ok)('WebGPU backend on lavapipe', () => {
  let gpu: WebGpuBackend;
  let small: WebGpuBackend; // bindings limited to 40 KiB: every weight below is split
  beforeAll(async () => {
    // one command buffer per pass (the default submits every 64 dispatches; tested on its own below)
    gpu = await createTestBackend(lavapipe, { dispatchesPerSubmit: Number.POSITIVE_INFINITY });
    small = await createTestBackend(lavapipe, { maxBindingBytes: 40 << 10 });
  });
  afterAll(() => {
    gpu?.dispose();
    small?.dispose();
  });

  it.each([GgmlType.Q4_K, GgmlType.Q8_0, GgmlType.F32])('weights split across bindings (type %i)', async (type) => {
    const cols = 1024;
    const rows = 100;
    const bytes = randomWeightBytes(type, cols, rows, 5);
    const r = await onBoth(small, async (be) => {
      const w = be.createWeight({ name: 'w', type, shape: [cols, rows] });
      await be.uploadWeight(w, 0, bytes);
      const x = be.createTensor('x', [9, cols]);
      be.writeTensor(x, gaussian(9 * cols, 6));
      const o1 = be.createTensor('o1', [1, rows]);
      be.matmul(o1, w, x, 1);
      const o2 = be.createTensor('o2', [9, rows]);
      be.matmul(o2, w, x, 9);
      const e = be.createTensor('e', [4, cols]);
      be.getRows(e, w, Int32Array.from([99, 0, 35, 14]));
      return [o1, o2, e, w];
    });
    for (let i = 0; i < 4; i++) expect(relRms(r.gpu[i], r.ref[i]), `output ${i}`).toBeLessThan(1e-5);
    const w = small.createWeight({ name: 'probe', type, shape: [cols, rows] });
    expect((w as unknown as { pieces: unknown[] }).pieces.length).toBeGreaterThan(1);
    small.free(w);
  });

  it('matmul reads and writes activations larger than one binding in 64-token windows', async () => {
    const [cols, rows, n] = [128, 150, 130]; // out [130, 150] and x [130, 128] exceed the 40 KiB bindings
    const bytes = randomWeightBytes(GgmlType.Q8_0, cols, rows, 9);
    const r = await onBoth(small, async (be) => {
      const w = be.createWeight({ name: 'w', type: GgmlType.Q8_0, shape: [cols, rows] });
      await be.uploadWeight(w, 0, bytes);
      const x = be.createTensor('x', [n, cols]);
      be.writeTensor(x, gaussian(n * cols, 10));
      const out = be.createTensor('out', [n, rows]);
      be.matmul(out, w, x, n);
      return [out];
    });
    expect(relRms(r.gpu[0], r.ref[0])).toBeLessThan(1e-5);
  });

  it('ops that would bind a tensor beyond the limit whole refuse with a typed error', () => {
    const big = small.createTensor('big', [64, 1024]);
    expect(() => small.add(big, big, big, 1)).toThrow(GpuLimitError);
    small.free(big);
    expect(() => small.createKvCache({ nLayer: 1, nCtx: 1024, nHeadKv: 1, headDim: 64, type: 'f16' })).toThrow(
      GpuLimitError,
    );
  });

  it.each([GgmlType.Q6_K, GgmlType.Q3_K, GgmlType.Q5_0, GgmlType.BF16])(
    'uploads in arbitrary chunks (type %i, blocks not multiples of 4)',
    async (type) => {
      const cols = 256;
      const rows = 9;
      const bytes = randomWeightBytes(type, cols, rows, 7);
      const ref = new ReferenceBackend();
      const rw = ref.createWeight({ name: 'w', type, shape: [cols, rows] });
      ref.uploadWeight(rw, 0, bytes);
      const w = gpu.createWeight({ name: 'w', type, shape: [cols, rows] });
      // seeded chunk sizes from 1 byte to more than a row, out of order
      const chunks: [number, number][] = [];
      let seed = 12345;
      for (let at = 0; at < bytes.length; ) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const len = Math.min(bytes.length - at, 1 + (seed % 700));
        chunks.push([at, len]);
        at += len;
      }
      chunks.reverse();
      for (const [at, len] of chunks) await gpu.uploadWeight(w, at, bytes.slice(at, at + len));
      expect(await gpu.readTensor(w)).toEqual(await ref.readTensor(rw));
      gpu.free(w);
    },
  );

  it('F32 weights of any length upload and read back exactly', async () => {
    const v = gaussian(3 * 33, 8);
    const w = gpu.createWeight({ name: 'odd', type: GgmlType.F32, shape: [33, 3] });
    await gpu.uploadWeight(w, 0, new Uint8Array(v.buffer, 0, 50));
    await gpu.uploadWeight(w, 50, new Uint8Array(v.buffer, 50));
    expect(await gpu.readTensor(w)).toEqual(v);
    expect(await gpu.readTensor(w, 40, 7)).toEqual(v.subarray(40, 47));
    gpu.free(w);
  });

  /** One transformer layer with Q8_0 weights, as model-llama drives a backend. */
  async function layerPass(be: Backend, tensors: Map<string, Tensor>, pos0: number, n: number): Promise<Tensor> {
    const [embd, nHead, nHeadKv, hd] = [128, 4, 2, 32];
    const get = async (name: string, make: () => Tensor | Promise<Tensor>) => {
      if (!tensors.has(name)) tensors.set(name, await make());
      return tensors.get(name) as Tensor;
    };
    const weight = (name: string, cols: number, rows: number, seed: number) =>
      get(name, async () => {
        const w = be.createWeight({ name, type: GgmlType.Q8_0, shape: [cols, rows] });
        await be.uploadWeight(w, 0, randomWeightBytes(GgmlType.Q8_0, cols, rows, seed));
        return w;
      });
    const act = (name: string, cols: number) => get(name, () => be.createTensor(name, [8, cols]));
    const emb = await weight('emb', embd, 50, 1);
    const norm = await get('norm', async () => {
      const w = be.createWeight({ name: 'norm', type: GgmlType.F32, shape: [embd] });
      await be.uploadWeight(w, 0, new Uint8Array(gaussian(embd, 2).buffer));
      return w;
    });
    const wq = await weight('wq', embd, nHead * hd, 3);
    const wk = await weight('wk', embd, nHeadKv * hd, 4);
    const wv = await weight('wv', embd, nHeadKv * hd, 5);
    const wo = await weight('wo', nHead * hd, embd, 6);
    const cache = (await get(
      'cache',
      () => be.createKvCache({ nLayer: 1, nCtx: 16, nHeadKv, headDim: hd, type: 'f16' }) as never,
    )) as never;
    const [x, xn, q, k, v, att, proj] = await Promise.all(
      (
        [
          ['x', embd],
          ['xn', embd],
          ['q', nHead * hd],
          ['k', nHeadKv * hd],
          ['v', nHeadKv * hd],
          ['att', nHead * hd],
          ['proj', embd],
        ] as const
      ).map(([name, cols]) => act(name, cols)),
    );
    const ids = Int32Array.from({ length: n }, (_, i) => (7 * (pos0 + i)) % 50);
    const positions = Int32Array.from({ length: n }, (_, i) => pos0 + i);
    const rope = (heads: number): RopeParams => ({
      nHead: heads,
      headDim: hd,
      nDims: hd,
      mode: 'normal',
      freqBase: 10000,
      freqScale: 1,
    });
    const attn: AttentionParams = { nHead, nHeadKv, headDim: hd, pos0, scale: 1 / Math.sqrt(hd) };
    be.getRows(x, emb, ids);
    be.rmsNorm(xn, x, norm, 1e-5, n);
    be.matmul(q, wq, xn, n);
    be.matmul(k, wk, xn, n);
    be.matmul(v, wv, xn, n);
    be.rope(q, positions, rope(nHead));
    be.rope(k, positions, rope(nHeadKv));
    be.writeKv(cache, 0, pos0, k, v, n);
    be.attention(att, q, cache, 0, n, attn);
    be.matmul(proj, wo, att, n);
    be.add(x, x, proj, n);
    return x;
  }

  /**
   * Runs layer passes (`[pos0, n]` each) on `be` and on the reference backend, checks every pass's output
   * against the reference, and hands each pass's statistics before and after to `check`.
   */
  async function passesAgainstReference(
    be: WebGpuBackend,
    passes: readonly (readonly [number, number])[],
    check: (
      pos0: number,
      before: ReturnType<WebGpuBackend['stats']>,
      after: ReturnType<WebGpuBackend['stats']>,
    ) => void,
  ): Promise<void> {
    const ref = new ReferenceBackend();
    const refTensors = new Map<string, Tensor>();
    const gpuTensors = new Map<string, Tensor>();
    for (const [pos0, n] of passes) {
      const want = await ref.readTensor(await layerPass(ref, refTensors, pos0, n), 0, n * 128);
      const before = be.stats();
      const x = await layerPass(be, gpuTensors, pos0, n);
      const got = await be.readTensor(x, 0, n * 128);
      expect(relRms(got, want), `pass at ${pos0}`).toBeLessThan(2e-3);
      check(pos0, before, be.stats());
    }
    for (const t of gpuTensors.values()) be.free(t);
  }

  it('records a whole pass into one submit and reuses pipelines and bind groups', async () => {
    const passes = [
      [0, 5],
      [5, 1],
      [6, 1],
    ] as const;
    await passesAgainstReference(gpu, passes, (pos0, before, after) => {
      expect(after.submits - before.submits, 'one submit per pass').toBe(1);
      if (pos0 === 6) {
        // the second decode step repeats the first: nothing new to create
        expect(after.pipelines - before.pipelines).toBe(0);
        expect(after.bindGroups - before.bindGroups).toBe(0);
      }
    });
  });

  it('with dispatchesPerSubmit, submits a pass in pieces at op boundaries, with the same results', async () => {
    const chunked = await createTestBackend(lavapipe, { dispatchesPerSubmit: 3 });
    try {
      const passes = [
        [0, 5],
        [5, 1],
      ] as const;
      await passesAgainstReference(chunked, passes, (_pos0, before, after) => {
        expect(after.submits - before.submits, 'several submits per pass').toBeGreaterThan(2);
      });
    } finally {
      chunked.dispose();
    }
  });

  it('keeps per-op inputs apart within a frame, and across an arena overflow', async () => {
    const r = await onBoth(gpu, (be) => {
      const a = be.createTensor('a', [2, 8]);
      const b = be.createTensor('b', [2, 8]);
      be.writeTensor(a, gaussian(16, 1));
      be.writeTensor(b, gaussian(16, 2));
      const rope: RopeParams = { nHead: 1, headDim: 8, nDims: 8, mode: 'neox', freqBase: 10000, freqScale: 1 };
      be.rope(a, Int32Array.from([3, 4]), rope);
      be.rope(b, Int32Array.from([100, 200]), rope);
      be.writeTensor(a, Float32Array.from([1, 2, 3]), 5); // after the first rope, before the adds
      // > 4096 dispatches: more parameters than one arena holds
      for (let i = 0; i < 4500; i++) be.add(b, b, a, 1);
      return [a, b];
    });
    expect(relRms(r.gpu[0], r.ref[0])).toBeLessThan(1e-6);
    expect(relRms(r.gpu[1], r.ref[1])).toBeLessThan(1e-5);
    expect(maxAbsDiff(r.gpu[0].subarray(5, 8), [1, 2, 3])).toBe(0);
  });

  it('refuses tuning options the kernels cannot run with, before taking a device', async () => {
    for (const matvecShape of [
      { workgroupSize: 96, rows: 1 },
      { workgroupSize: 64, rows: 3 },
      { workgroupSize: 512, rows: 1 },
      { workgroupSize: 128, rows: 8 },
    ]) {
      await expect(createTestBackend(lavapipe, { matvecShape })).rejects.toThrow(/powers of two/);
    }
    await expect(createTestBackend(lavapipe, { dispatchesPerSubmit: 0 })).rejects.toThrow(/at least 1/);
  });

  it('refuses types without a kernel and misuse with typed errors', () => {
    expect(gpu.supportsWeightType(GgmlType.IQ2_XXS)).toBe(false);
    expect(() => gpu.createWeight({ name: 'x', type: GgmlType.IQ2_XXS, shape: [256, 2] })).toThrow(
      UnsupportedTypeError,
    );
    const w = gpu.createWeight({ name: 'w', type: GgmlType.Q8_0, shape: [64, 4] });
    const x = gpu.createTensor('x', [1, 32]);
    const o = gpu.createTensor('o', [1, 4]);
    expect(() => gpu.matmul(o, w, x, 1)).toThrow(BackendError);
    expect(() => gpu.getRows(o, w, Int32Array.from([4]))).toThrow(/out of range/);
    const ref = new ReferenceBackend();
    expect(() => gpu.add(o, ref.createTensor('r', [1, 4]), o, 1)).toThrow(BackendError);
    for (const t of [w, x, o]) gpu.free(t);
    expect(() => gpu.matmul(o, w, x, 1)).toThrow(/freed/);
  });
});

describe.skipIf(!setup.ok)('acquiring a device', () => {
  it('isWebGpuAvailable counts software adapters only when asked, and a missing one as false', async () => {
    expect(await isWebGpuAvailable({ dawnFlags: [lavapipe.flag], allowFallbackAdapter: true })).toBe(true);
    expect(await isWebGpuAvailable({ dawnFlags: [lavapipe.flag] })).toBe(false);
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    expect(await isWebGpuAvailable({ gpu: noAdapter })).toBe(false);
    await expect(WebGpuBackend.create({ gpu: noAdapter })).rejects.toThrow(WebGpuUnavailableError);
  });

  it('GPU errors surface as typed errors on the next read', async () => {
    const dawn = (await import('webgpu')) as unknown as {
      create(flags: string[]): GPU;
      globals: Record<string, new (...args: unknown[]) => unknown>;
    };
    for (const [errorClass, expected] of [
      ['GPUOutOfMemoryError', GpuOutOfMemoryError],
      ['GPUValidationError', GpuInternalError],
    ] as const) {
      const adapter = (await dawn.create([lavapipe.flag]).requestAdapter()) as GPUAdapter;
      const device = await adapter.requestDevice();
      const be = await WebGpuBackend.create({ device, adapter });
      const t = be.createTensor('t', [1, 4]);
      // what the device reports for an allocation or a command it could not carry out
      const error = new dawn.globals[errorClass]('synthetic');
      device.dispatchEvent(new dawn.globals.GPUUncapturedErrorEvent('uncapturederror', { error }) as Event);
      await expect(be.readTensor(t)).rejects.toThrow(expected);
      be.dispose();
      device.destroy();
    }
  });

  it('device loss surfaces as GpuDeviceLostError', async () => {
    const { create } = (await import('webgpu')) as { create(flags: string[]): GPU };
    let gpuEntry: GPU | undefined = create([lavapipe.flag]);
    const adapter = await gpuEntry.requestAdapter();
    const device = await (adapter as GPUAdapter).requestDevice();
    const be = await WebGpuBackend.create({ device, adapter: adapter as GPUAdapter });
    const t = be.createTensor('t', [1, 4]);
    be.writeTensor(t, Float32Array.from([1, 2, 3, 4]));
    expect(await be.readTensor(t)).toEqual(Float32Array.from([1, 2, 3, 4]));
    device.destroy();
    await device.lost;
    expect(() => be.add(t, t, t, 1)).toThrow(GpuDeviceLostError);
    await expect(be.readTensor(t)).rejects.toThrow(GpuDeviceLostError);
    be.dispose();
    gpuEntry = undefined;
    expect(gpuEntry).toBeUndefined();
  });
});

it('size of a Q8_0 row is what the GPU layout assumes', () => {
  expect(ggmlByteSize(GgmlType.Q8_0, 32)).toBe(34);
});

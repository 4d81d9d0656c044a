// Matmul and get-rows of every weight type against the reference backend: matrix-vector kernels (1 and 5
// tokens), the tiled kernel (37 tokens, partial tiles in both directions), and the dequantization itself
// through get-rows and weight read-back. Every kernel and type runs on lavapipe. The configurations
// after it run what differs there: the matrix-vector kernel (the only one with feature variants: subgroup
// or workgroup-memory reductions) for every type, and on SwiftShader get-rows for every type and the
// tiled kernel for a few (SwiftShader takes ~1 s to compile each tiled variant).
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../backend.js';
import { supportedWeightTypes } from '../quant/registry.js';
import { gpuWeightTypes } from './quant/registry.js';
import {
  createTestBackend,
  ensureSoftwareVulkan,
  gaussian,
  maxAbsDiff,
  onBoth,
  randomWeightBytes,
  relRms,
  TEST_CONFIGS,
} from './testing.js';
import type { WebGpuBackend } from './webgpu-backend.js';

// software GPUs on a loaded 2-core machine can be many times slower than usual
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
const setup = ensureSoftwareVulkan();
if (!setup.ok) console.warn(`WebGPU tests skipped: ${setup.reason}`);

// every type the reference dequantizes must have a GPU kernel (a new reference type needs one)
const TYPES = supportedWeightTypes();

/** Which kernels each configuration (by index in TEST_CONFIGS) tests for a type. */
function kernelsFor(config: number, type: GgmlType): { tiled: boolean; getRows: boolean } {
  if (config === 0) return { tiled: true, getRows: true };
  if (config === 1) return { tiled: false, getRows: false }; // the same shaders as config 0
  return { tiled: [GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K].includes(type), getRows: true };
}

/**
 * `out = W x` for `n` tokens on `gpu` and on the reference backend: W is `rows` x `cols` of `type` from
 * `bytes`, x and out hold `slots` token rows (x filled from `xv`).
 */
function productOnBoth(
  gpu: Backend,
  type: GgmlType,
  cols: number,
  rows: number,
  bytes: Uint8Array,
  xv: Float32Array,
  n: number,
  slots: number,
) {
  return onBoth(gpu, async (be) => {
    const w = be.createWeight({ name: 'w', type, shape: [cols, rows] });
    await be.uploadWeight(w, 0, bytes);
    const x = be.createTensor('x', [slots, cols]);
    be.writeTensor(x, xv);
    const out = be.createTensor('out', [slots, rows]);
    be.matmul(out, w, x, n);
    return [out];
  });
}

it('the GPU supports every type with a reference dequantizer', () => {
  expect(gpuWeightTypes()).toEqual(TYPES);
});

describe.skipIf(!setup.ok).each(TEST_CONFIGS.map((c, index) => ({ ...c, index })))('$name', (config) => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await createTestBackend(config.adapter, config.options);
  });
  afterAll(() => gpu?.dispose());

  it('has the expected features', () => {
    expect(gpu.caps).toEqual(config.expect);
    expect(gpu.info.kind).toBe('webgpu');
  });

  // Several rows per workgroup and other workgroup sizes (the decode kernel's tuning knob): partial
  // last workgroups (13 rows), 1 token (activations in registers) and several (3, 8: the largest variant).
  it.skipIf(config.index === 2)('matrix-vector shapes (workgroup size x rows per workgroup)', async () => {
    const cols = 4608; // 144 groups: long rows for workgroups of up to 128
    const rows = 13;
    const shapes = [
      { workgroupSize: 32, rows: 4 },
      { workgroupSize: 128, rows: 2 },
      { workgroupSize: 64, rows: 8 },
    ];
    for (const matvecShape of shapes) {
      const be = await createTestBackend(config.adapter, { ...config.options, matvecShape });
      try {
        for (const type of [GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.F16]) {
          const wb = randomWeightBytes(type, cols, rows, 300 + type);
          for (const n of [1, 3, 8]) {
            const xv = gaussian(n * cols, 7 + n);
            const r = await productOnBoth(be, type, cols, rows, wb, xv, n, 8);
            const label = `${matvecShape.workgroupSize}x${matvecShape.rows} ${ggmlTypeInfo(type).name} n=${n}`;
            expect(relRms(r.gpu[0], r.ref[0]), label).toBeLessThan(1e-5);
          }
        }
      } finally {
        be.dispose();
      }
    }
  });

  describe.each(TYPES.map((t) => ({ type: t, name: ggmlTypeInfo(t).name })))('$name', ({ type }) => {
    const cols = 512;
    const rows = 67;
    const bytes = randomWeightBytes(type, cols, rows, 100 + type);
    const kernels = kernelsFor(config.index, type);

    it(`matmul (matrix-vector${kernels.tiled ? ' and tiled' : ''})`, async () => {
      for (const n of kernels.tiled ? [1, 5, 37] : [1, 5]) {
        const xv = gaussian(n * cols, n);
        const r = await productOnBoth(gpu, type, cols, rows, bytes, xv, n, 40);
        expect(relRms(r.gpu[0], r.ref[0]), `n=${n}`).toBeLessThan(1e-5);
      }
    });

    it('matmul of long rows (a whole workgroup per row)', async () => {
      const long = 2304; // 72 groups of 32: the full-workgroup reduction path
      const wb = randomWeightBytes(type, long, 5, 200 + type);
      const xv = gaussian(2 * long, 3);
      const r = await productOnBoth(gpu, type, long, 5, wb, xv, 2, 2);
      expect(relRms(r.gpu[0], r.ref[0])).toBeLessThan(1e-5);
    });

    if (!kernels.getRows) return;
    it('getRows and weight read-back dequantize as the reference', async () => {
      const ids = Int32Array.from([3, 0, 66, 3, 41]);
      const r = await onBoth(gpu, async (be) => {
        const w = be.createWeight({ name: 'w', type, shape: [cols, rows] });
        await be.uploadWeight(w, 0, bytes);
        const out = be.createTensor('out', [8, cols]);
        be.getRows(out, w, ids);
        return [out, w];
      });
      const scale = Math.max(...r.ref[1].map(Math.abs));
      // exact up to fused multiply-adds in the shader
      expect(maxAbsDiff(r.gpu[0], r.ref[0])).toBeLessThanOrEqual(scale * 2 ** -22);
      expect(maxAbsDiff(r.gpu[1], r.ref[1])).toBeLessThanOrEqual(scale * 2 ** -22);
      if (type === GgmlType.F32 || type === GgmlType.F16 || type === GgmlType.BF16 || type === GgmlType.Q8_0) {
        expect(r.gpu[1]).toEqual(r.ref[1]);
      }
    });
  });
});

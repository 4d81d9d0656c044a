// Threads and memory placement do not change results: a small transformer-like sequence of ops run with
// one thread, with two threads (every op split, however small), and with the weights spread over several
// wasm memories gives bit-identical outputs. Also: the backend frees its workers, and reports its threads.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GgmlType } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { randomValues, randomWeightBytes } from './random-tensors.js';
import { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './wasm-backend.js';

const EMBD = 512;
const FF = 1024;
const HEADS = 8;
const KV_HEADS = 2;
const HEAD_DIM = EMBD / HEADS;
const LAYERS = 2;
const TYPES = [GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.F16];

/** Runs two layers of a LLaMA-shaped block over a 9-token prompt and 2 more tokens; returns every output. */
async function run(options: WasmBackendOptions): Promise<{ outputs: Float32Array[]; backend: Backend }> {
  const b = await createWasmBackend(options);
  const weight = (name: string, type: GgmlType, cols: number, rows: number, layer: number, seed: number) => {
    const w = b.createWeight({ name, type, shape: [cols, rows], layer });
    const bytes = randomWeightBytes(type, rows, cols, seed);
    // upload in uneven chunks, as a loader streaming a file does
    for (let off = 0; off < bytes.length; off += 10_000) b.uploadWeight(w, off, bytes.subarray(off, off + 10_000));
    return w;
  };
  const embd = weight('token_embd', GgmlType.Q4_K, EMBD, 300, -1, 1);
  const layers = Array.from({ length: LAYERS }, (_, l) => {
    const t = (i: number) => TYPES[(l + i) % TYPES.length];
    const norm = b.createWeight({ name: `norm${l}`, type: GgmlType.F32, shape: [EMBD], layer: l });
    b.uploadWeight(norm, 0, new Uint8Array(randomValues(EMBD, 50 + l).buffer));
    return {
      norm,
      wq: weight(`wq${l}`, t(0), EMBD, EMBD, l, 10 * l + 2),
      wk: weight(`wk${l}`, t(1), EMBD, KV_HEADS * HEAD_DIM, l, 10 * l + 3),
      wv: weight(`wv${l}`, t(2), EMBD, KV_HEADS * HEAD_DIM, l, 10 * l + 4),
      wo: weight(`wo${l}`, t(3), EMBD, EMBD, l, 10 * l + 5),
      up: weight(`up${l}`, t(4), EMBD, FF, l, 10 * l + 6),
      down: weight(`down${l}`, t(0), FF, EMBD, l, 10 * l + 7),
    };
  });
  const cache = b.createKvCache({ nLayer: LAYERS, nCtx: 32, nHeadKv: KV_HEADS, headDim: HEAD_DIM, type: 'f16' });
  const N = 9;
  const x = b.createTensor('x', [N, EMBD]);
  const xn = b.createTensor('xn', [N, EMBD]);
  const q = b.createTensor('q', [N, EMBD]);
  const k = b.createTensor('k', [N, KV_HEADS * HEAD_DIM]);
  const v = b.createTensor('v', [N, KV_HEADS * HEAD_DIM]);
  const att = b.createTensor('att', [N, EMBD]);
  const up = b.createTensor('up', [N, FF]);
  const outputs: Float32Array[] = [];
  const rope = { headDim: HEAD_DIM, nDims: HEAD_DIM, mode: 'normal' as const, freqBase: 10000, freqScale: 1 };
  let pos = 0;
  for (const tokens of [[1, 5, 9, 200, 3, 3, 77, 0, 299], [42], [7]]) {
    const n = tokens.length;
    const positions = Int32Array.from(tokens, (_, i) => pos + i);
    b.getRows(x, embd, Int32Array.from(tokens));
    for (let l = 0; l < LAYERS; l++) {
      const L = layers[l];
      b.rmsNorm(xn, x, L.norm, 1e-5, n);
      b.matmul(q, L.wq, xn, n);
      b.matmul(k, L.wk, xn, n);
      b.matmul(v, L.wv, xn, n);
      b.rope(q, positions, { ...rope, nHead: HEADS });
      b.rope(k, positions, { ...rope, nHead: KV_HEADS });
      b.writeKv(cache, l, pos, k, v, n);
      b.attention(att, q, cache, l, n, { nHead: HEADS, nHeadKv: KV_HEADS, headDim: HEAD_DIM, pos0: pos, scale: 0.125 });
      b.matmul(xn, L.wo, att, n);
      b.add(x, x, xn, n);
      b.matmul(up, L.up, x, n);
      b.swiglu(up, up, up, n);
      b.matmul(xn, L.down, up, n);
      b.add(x, x, xn, n);
    }
    outputs.push(await b.readTensor(x, 0, n * EMBD));
    pos += n;
  }
  b.shiftKv(cache, 4, 1, 6, -3, { ...rope, nHead: KV_HEADS });
  outputs.push(new Float32Array((await b.saveKvCache(cache, 7)).buffer));
  return { outputs, backend: b };
}

describe('wasm backend threads and memories', () => {
  it('gives bit-identical results with 1 thread, 2 threads, and weights over several memories', async () => {
    const single = await run({ threads: 1 });
    const threaded = await run({ threads: 2, parallelThreshold: 0 });
    const spread = await run({ threads: 2, memoryBytesPerGroup: 2 << 20, scratchReserveBytes: 1 << 20 });
    expect(single.backend.info.threads).toBe(1);
    expect(threaded.backend.info.threads).toBe(2);
    // the worker really computed (the caller would silently take every share it did not claim). The
    // small ops above may all finish before a woken worker gets a core when the machine is busy (the
    // test files run in parallel), so a product long enough for it to join comes last.
    const tb = threaded.backend as WasmBackend;
    const w = tb.createWeight({ name: 'big', type: GgmlType.Q8_0, shape: [2048, 2048] });
    tb.uploadWeight(w, 0, randomWeightBytes(GgmlType.Q8_0, 2048, 2048, 99));
    const bx = tb.createTensor('bx', [64, 2048]);
    tb.writeTensor(bx, randomValues(64 * 2048, 98));
    const by = tb.createTensor('by', [64, 2048]);
    for (let i = 0; i < 20 && tb.threadStats().workerShares === 0; i++) tb.matmul(by, w, bx, 64);
    const stats = tb.threadStats();
    expect(stats.jobs).toBeGreaterThan(100);
    expect(stats.workerShares).toBeGreaterThan(0);
    expect((spread.backend as WasmBackend).memoryGroups().length).toBeGreaterThan(2);
    for (const other of [threaded, spread]) {
      expect(other.outputs.length).toBe(single.outputs.length);
      other.outputs.forEach((o, i) => {
        expect(Array.from(o), `output ${i}`).toEqual(Array.from(single.outputs[i]));
      });
    }
    for (const r of [single, threaded, spread]) r.backend.dispose();
  });

  it('is unusable after dispose, and dispose may be called twice', async () => {
    const b = await createWasmBackend({ threads: 2 });
    const t = b.createTensor('t', [2, 2]);
    b.dispose();
    b.dispose();
    expect(() => b.add(t, t, t, 1)).toThrow(/disposed/);
  });

  // the built package (dist/) in a fresh Node process: workers must not keep it alive
  const dist = join(dirname(fileURLToPath(import.meta.url)), '../../dist/index.js');
  it.skipIf(!existsSync(dist))('lets the process exit without dispose()', () => {
    const script = `import(${JSON.stringify(dist)}).then(async ({ createWasmBackend }) => {
      const b = await createWasmBackend({ threads: 2, parallelThreshold: 0 });
      const t = b.createTensor('t', [4, 64]);
      b.add(t, t, t, 4);
      console.log(b.info.threads);
    });`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.stdout.trim()).toBe('2');
    expect(run.status).toBe(0);
  });

  it("keeps K and V of a layer in one memory when the layer's memory has room for only one of them", async () => {
    // one memory holds 1.5 MiB of tensors (2 MiB less a quarter kept for scratch); a filler weight leaves a gap of about 1.5 K (or V) sizes in it, for
    // gaps on both sides of that size: whatever the gap, attention must run and equal the one-memory result
    const cells = 96;
    const row = KV_HEADS * HEAD_DIM;
    const partBytes = cells * row * 4;
    const attend = async (b: Backend) => {
      const cache = b.createKvCache({ nLayer: 1, nCtx: cells, nHeadKv: KV_HEADS, headDim: HEAD_DIM, type: 'f32' });
      const k = b.createTensor('k', [4, row]);
      const v = b.createTensor('v', [4, row]);
      const q = b.createTensor('q', [4, EMBD]);
      const out = b.createTensor('out', [4, EMBD]);
      b.writeTensor(k, randomValues(4 * row, 1));
      b.writeTensor(v, randomValues(4 * row, 2));
      b.writeTensor(q, randomValues(4 * EMBD, 3));
      b.writeKv(cache, 0, 0, k, v, 4);
      b.attention(out, q, cache, 0, 4, { nHead: HEADS, nHeadKv: KV_HEADS, headDim: HEAD_DIM, pos0: 0, scale: 0.125 });
      return b.readTensor(out);
    };
    const one = await createWasmBackend({ threads: 1 });
    const expected = Array.from(await attend(one));
    one.dispose();
    for (const gap of [1.2, 1.5, 1.8]) {
      const b = await createWasmBackend({ threads: 1, memoryBytesPerGroup: 2 << 20, scratchReserveBytes: 1 << 19 });
      const fillerValues = Math.floor(((3 << 19) - 2048 - gap * partBytes) / 4 / 256) * 256;
      b.createWeight({ name: 'filler', type: GgmlType.F32, shape: [256, fillerValues / 256], layer: 0 });
      expect(Array.from(await attend(b)), `gap of ${gap} parts`).toEqual(expected);
      b.dispose();
    }
  });

  it('faults in the pages of a large upload on every thread without changing any byte', async () => {
    // Uploads of 1 MiB or more touch their pages on every thread first (touch_pages); the touch writes
    // whole words, including the word before an unaligned start, so neighbours must keep their bytes.
    const b = await createWasmBackend({ threads: 2 });
    const values = randomValues(3 << 18, 9); // 3 MiB of f32
    const bytes = new Uint8Array(values.buffer);
    const w = b.createWeight({ name: 'w', type: GgmlType.F32, shape: [1024, values.length / 1024] });
    b.uploadWeight(w, 0, bytes.subarray(0, 4101));
    b.uploadWeight(w, 4101, bytes.subarray(4101, (3 << 20) - 4097));
    b.uploadWeight(w, (3 << 20) - 4097, bytes.subarray((3 << 20) - 4097));
    // and again over bytes already written, as a reloaded tensor is
    b.uploadWeight(w, 7, bytes.subarray(7, (2 << 20) + 7));
    expect(Array.from(await b.readTensor(w))).toEqual(Array.from(values));
    b.dispose();
  });

  it('rejects a weight larger than one memory can hold', async () => {
    const b = await createWasmBackend({ threads: 1, memoryBytesPerGroup: 2 << 20 });
    expect(() => b.createWeight({ name: 'huge', type: GgmlType.F32, shape: [1024, 1024] })).toThrow(/huge/);
    b.dispose();
  });
});

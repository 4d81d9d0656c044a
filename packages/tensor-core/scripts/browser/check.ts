// Runs in a real browser page (scripts/browser-check.mjs bundles it): the wasm backend with and without
// relaxed SIMD (and its fused dot-add build), threaded when the page is cross-origin isolated, against the
// reference math.
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { createWasmBackend, dequantize, ReferenceBackend } from '@llamats/tensor-core';
import { randomValues, randomWeightBytes } from '../../src/wasm/random-tensors.js';
import { exactProducts, relRms } from '../../src/wasm/reference-products.js';
import { wasmWeightTypes } from '../../src/wasm/weight-kernels.js';

interface Result {
  check: string;
  detail: string;
  value: number;
  limit: number;
  ok: boolean;
}

async function run(): Promise<{ results: Result[]; info: string[] }> {
  const results: Result[] = [];
  const info: string[] = [
    `crossOriginIsolated=${(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated}`,
  ];
  // the three kernel builds: SIMD-128, relaxed SIMD, and relaxed SIMD with the fused dot-add (forced on, so
  // that it is checked whatever the probe decides on this CPU)
  const builds = [
    { relaxedSimd: false, vnni: false },
    { relaxedSimd: 'auto', vnni: false },
    { relaxedSimd: 'auto', vnni: true },
  ] as const;
  const relaxedOutputs = new Map<string, Float32Array>();
  for (const { relaxedSimd, vnni } of builds) {
    const b = await createWasmBackend({ threads: 2, relaxedSimd, vnni, parallelThreshold: 0 });
    info.push(`relaxedSimd=${relaxedSimd} vnni=${vnni}: ${b.info.detail}`);
    const label = `${b.info.detail}`;
    for (const type of wasmWeightTypes()) {
      const name = ggmlTypeInfo(type).name;
      const rows = 24;
      const cols = 512;
      const bytes = randomWeightBytes(type, rows, cols, 3 + type);
      const W = new Float32Array(rows * cols);
      dequantize(type, bytes, W, rows * cols);
      const w = b.createWeight({ name, type, shape: [cols, rows] });
      b.uploadWeight(w, 0, bytes);
      const n = 6;
      const xv = randomValues(n * cols, 9 + type);
      const x = b.createTensor('x', [n, cols]);
      b.writeTensor(x, xv);
      const out = b.createTensor('out', [n, rows]);
      const limit = type === GgmlType.F32 || type === GgmlType.F16 || type === GgmlType.BF16 ? 2e-6 : 1.5e-2;
      for (const m of [1, n]) {
        b.matmul(out, w, x, m);
        const got = await b.readTensor(out, 0, m * rows);
        const exact = exactProducts(W, xv, m, rows, cols);
        const e = relRms(got, exact);
        results.push({ check: `matmul ${name} n=${m}`, detail: label, value: e, limit, ok: e < limit });
        // the fused dot-add build adds up the same integers: its products equal the relaxed build's bit for bit
        const key = `${name} n=${m}`;
        if (relaxedSimd === 'auto' && !vnni) relaxedOutputs.set(key, got);
        const relaxedGot = vnni ? relaxedOutputs.get(key) : undefined;
        if (relaxedGot) {
          let differ = 0;
          for (let i = 0; i < got.length; i++) if (!Object.is(got[i], relaxedGot[i])) differ++;
          results.push({
            check: `matmul ${key} equals the relaxed build`,
            detail: label,
            value: differ,
            limit: 0,
            ok: differ === 0,
          });
        }
      }
      const rowsOut = b.createTensor('rows', [2, cols]);
      b.getRows(rowsOut, w, Int32Array.from([rows - 1, 0]));
      const got = await b.readTensor(rowsOut);
      let diff = 0;
      for (let i = 0; i < cols; i++) {
        if (got[i] !== W[(rows - 1) * cols + i] && !(Number.isNaN(got[i]) && Number.isNaN(W[(rows - 1) * cols + i])))
          diff++;
        if (got[cols + i] !== W[i] && !(Number.isNaN(got[cols + i]) && Number.isNaN(W[i]))) diff++;
      }
      results.push({ check: `getRows ${name}`, detail: label, value: diff, limit: 0, ok: diff === 0 });
      for (const t of [w, x, out, rowsOut]) b.free(t);
    }
    // attention over an f16 cache against the reference backend
    const ref = new ReferenceBackend();
    const spec = { nLayer: 1, nCtx: 96, nHeadKv: 2, headDim: 64, type: 'f16' as const };
    const cw = b.createKvCache(spec);
    const cr = ref.createKvCache(spec);
    const pair = (name: string, cols: number, seed: number) => {
      const v = randomValues(70 * cols, seed);
      const a = b.createTensor(name, [70, cols]);
      const r = ref.createTensor(name, [70, cols]);
      b.writeTensor(a, v);
      ref.writeTensor(r, v);
      return [a, r] as const;
    };
    const [kw, kr] = pair('k', 128, 1);
    const [vw, vr] = pair('v', 128, 2);
    const [qw, qr] = pair('q', 512, 3);
    const [ow, or] = pair('o', 512, 4);
    b.writeKv(cw, 0, 0, kw, vw, 70);
    ref.writeKv(cr, 0, 0, kr, vr, 70);
    const p = { nHead: 8, nHeadKv: 2, headDim: 64, pos0: 0, scale: 0.125 };
    b.attention(ow, qw, cw, 0, 70, p);
    ref.attention(or, qr, cr, 0, 70, p);
    const e = relRms(await b.readTensor(ow), await ref.readTensor(or));
    results.push({ check: 'attention f16 cache, GQA, 70 tokens', detail: label, value: e, limit: 2e-6, ok: e < 2e-6 });
    b.dispose();
  }
  return { results, info };
}

run().then(
  (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) }),
  (e) => fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(e?.stack ?? e) }) }),
);

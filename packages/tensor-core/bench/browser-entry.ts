// The kernel benchmark inside a browser page (bench/browser.mjs): matrix-vector GB/s and matrix-matrix
// GFLOP/s per weight type, with and without relaxed SIMD, at 1 and 2 threads.
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { randomRawBlocks, randomValues } from '../src/wasm/random-tensors.js';
import { createWasmBackend, type WasmBackend } from '../src/wasm/wasm-backend.js';

const params = new URLSearchParams(location.search);
const types = (params.get('types') ?? 'Q4_K,Q6_K,Q8_0,Q4_0')
  .split(',')
  .map((n) => GgmlType[n as keyof typeof GgmlType]);
const rows = 4096;
const cols = 4096;
const batch = 64;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function time(fn: () => void, n: number): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    fn();
    t.push((performance.now() - s) / 1000);
  }
  return median(t);
}

async function run() {
  const results: Record<string, unknown>[] = [];
  for (const relaxedSimd of [false, 'auto'] as const) {
    for (const threads of [1, 2]) {
      const b = (await createWasmBackend({ threads, relaxedSimd })) as WasmBackend;
      const bandwidth = b.measureReadBandwidth(512 << 20, 5) / 1e9;
      const x = b.createTensor('x', [batch, cols]);
      b.writeTensor(x, randomValues(batch * cols, 1));
      const out = b.createTensor('out', [batch, rows]);
      for (const type of types) {
        const info = ggmlTypeInfo(type);
        const bytes = (rows * cols * info.bytesPerBlock) / info.blockSize;
        const count = Math.max(1, Math.ceil((128 << 20) / bytes));
        const ws = Array.from({ length: count }, (_, i) => {
          const w = b.createWeight({ name: `w${i}`, type, shape: [cols, rows] });
          b.uploadWeight(w, 0, randomRawBlocks(type, rows, cols, 10 + i));
          return w;
        });
        const pass = () => {
          for (const w of ws) b.matmul(out, w, x, 1);
        };
        pass();
        const mv = time(pass, 5) / count;
        b.matmul(out, ws[0], x, batch);
        const mm = time(() => b.matmul(out, ws[0], x, batch), 3);
        results.push({
          type: info.name,
          kernels: b.info.detail,
          threads,
          matvecGBs: bytes / mv / 1e9,
          matmulGflops: (2 * rows * cols * batch) / mm / 1e9,
          bandwidthGBs: bandwidth,
        });
        for (const w of ws) b.free(w);
      }
      b.dispose();
    }
  }
  return results;
}

run().then(
  (results) => fetch('/result', { method: 'POST', body: JSON.stringify({ results }) }),
  (e) => fetch('/result', { method: 'POST', body: JSON.stringify({ error: String(e?.stack ?? e) }) }),
);

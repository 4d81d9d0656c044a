import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { createWasmBackend } from '/work/main/packages/tensor-core/dist/index.js';
import { randomValues, randomWeightBytes } from '/work/main/packages/tensor-core/dist/wasm/random-tensors.js';
const type = GgmlType[process.argv[2] ?? 'Q4_K'];
const info = ggmlTypeInfo(type);
for (const threads of [1, 2]) {
  const backend = await createWasmBackend({ threads, decodeStreaming: process.env.V ? JSON.parse(process.env.V) : "auto" });
  const cols = 4096;
  for (const [rows, count, reps] of [[512, 1, 4000], [4096, 1, 400], [4096, 24, 20]]) {
    const bytes = (rows * cols * info.bytesPerBlock) / info.blockSize;
    const x = backend.createTensor('x', [1, cols]);
    backend.writeTensor(x, randomValues(cols, 1));
    const out = backend.createTensor('out', [1, rows]);
    const src = randomWeightBytes(type, rows, cols, 100, 0.02);
    const ws = [];
    for (let i = 0; i < count; i++) { const w = backend.createWeight({ name: 'w' + i, type, shape: [cols, rows] }); backend.uploadWeight(w, 0, src); ws.push(w); }
    const ts = [];
    for (let p = 0; p < 7; p++) {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) for (const w of ws) backend.matmul(out, w, x, 1);
      ts.push((performance.now() - t0) / reps / count);
    }
    ts.sort((a, b) => a - b);
    console.log(`${info.name} T${threads} rows ${rows} x${count}: ${(bytes / ts[3] / 1e6).toFixed(1)} GB/s (${(ts[3]*1000).toFixed(1)} us)`);
    for (const w of ws) backend.free(w);
  }
  backend.dispose();
}

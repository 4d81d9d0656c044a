import { GgmlType, ggmlRowSize } from '@llamats/gguf-format';
import { createWebGpuBackend } from '@llamats/tensor-core';

const backend = await createWebGpuBackend({});
const cols = 512,
  rows = 512;
const w = backend.createWeight({ name: 'w', type: GgmlType.Q4_K, shape: [cols, rows], layer: 0 });
await backend.uploadWeight(w, 0, new Uint8Array(rows * ggmlRowSize(GgmlType.Q4_K, cols)));
const x = backend.createTensor('x', [8, cols]);
const out = backend.createTensor('o', [8, rows]);
for (let k = 0; k < 5; k++) {
  const t0 = performance.now();
  for (let i = 0; i < 3000; i++) backend.matmul(out, w, x, 1);
  const t1 = performance.now();
  await backend.readTensor(out, 0, 1);
  console.log(
    `record ${(((t1 - t0) * 1000) / 3000).toFixed(2)} us/dispatch, wait ${(performance.now() - t1).toFixed(1)} ms`,
  );
}
backend.dispose();
process.exit(0);

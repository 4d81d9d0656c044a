// Is a decode product bound by its instructions or by memory? One thread, one token, one weight matrix of
// 4096 columns multiplied again and again, for row counts whose weights fit L1/L2 (32, 128 rows), L3 (512)
// or not (4096): where GB/s stays flat as the weights outgrow the caches, the kernel's instruction throughput
// is the limit, not the memory (32 rows is slower: fixed costs per call).
//   node bench/resident.mjs [--types Q4_K,Q4_0,Q8_0,Q6_K] [--rows 32,128,512,4096]
// (after `pnpm build`; the decode streaming variant is fixed to the plain one so that nothing is tuned mid-run)
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { createWasmBackend } from '../dist/index.js';
import { randomValues, randomWeightBytes } from '../dist/wasm/random-tensors.js';
import { medianMs } from './timing.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const types = option('types', 'Q4_K,Q4_0,Q8_0,Q6_K').split(',');
const rowCounts = option('rows', '32,128,512,4096').split(',').map(Number);
const cols = 4096;
/** Weight bytes streamed per timing (each timing repeats the product until it has read this much). */
const bytesPerTiming = 2e8;

const backend = await createWasmBackend({ threads: 1, decodeStreaming: { touch: false, pairs: false } });
const x = backend.createTensor('x', [1, cols]);
backend.writeTensor(x, randomValues(cols, 1));
console.log('type  rows  weights KiB  GB/s (median of 5)');
for (const name of types) {
  const type = GgmlType[name];
  const info = ggmlTypeInfo(type);
  for (const rows of rowCounts) {
    const bytes = (rows * cols * info.bytesPerBlock) / info.blockSize;
    const w = backend.createWeight({ name: 'w', type, shape: [cols, rows] });
    backend.uploadWeight(w, 0, randomWeightBytes(type, rows, cols, 7, 0.02));
    const out = backend.createTensor('out', [1, rows]);
    const reps = Math.ceil(bytesPerTiming / bytes);
    const pass = () => {
      for (let i = 0; i < reps; i++) backend.matmul(out, w, x, 1);
    };
    pass(); // compile and warm up
    const gbs = (bytes * reps) / (medianMs(pass) / 1000) / 1e9;
    console.log(
      `${name.padEnd(5)} ${String(rows).padStart(4)}  ${(bytes / 1024).toFixed(0).padStart(11)}  ${gbs.toFixed(1).padStart(4)}`,
    );
    backend.free(w);
    backend.free(out);
  }
}
backend.dispose();

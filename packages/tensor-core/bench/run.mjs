// Kernel benchmark of the wasm backend (`pnpm bench` in packages/tensor-core, after `pnpm build`).
//
// For each weight type: matrix-vector products (decode) in GB/s of weights streamed, and matrix-matrix
// products (prefill, a batch of tokens) in GFLOP/s, at each thread count, beside the memory read
// bandwidth measured in the same run. Decode is memory-bound: its GB/s is held against that bandwidth.
// The matrix-vector loop cycles through enough matrices (>= 192 MiB) that weights come from memory,
// not from the CPU caches, as in a real forward pass. Figures are medians of several passes.
//
// Options: --types Q4_K,Q8_0  --threads 1,2  --rows 4096 --cols 4096 --batch 64  --passes 7  --json
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { createWasmBackend } from '../dist/index.js';
import { randomRawBlocks, randomValues } from '../dist/wasm/random-tensors.js';
import { wasmWeightTypes } from '../dist/wasm/weight-kernels.js';

const args = new Map();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args.set(a.slice(2), 'true');
  else args.set(a.slice(2), process.argv[++i]);
}
const types = args.has('types')
  ? args
      .get('types')
      .split(',')
      .map((n) => GgmlType[n.toUpperCase()])
  : wasmWeightTypes();
const threadCounts = (args.get('threads') ?? '1,2').split(',').map(Number);
const rows = Number(args.get('rows') ?? 4096);
const cols = Number(args.get('cols') ?? 4096);
const batch = Number(args.get('batch') ?? 64);
const passes = Number(args.get('passes') ?? 7);
const streamBytes = 192 << 20;

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function time(fn, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

const results = [];
const bandwidth = {};
for (const threads of threadCounts) {
  const backend = await createWasmBackend({ threads });
  bandwidth[threads] = backend.measureReadBandwidth(1 << 30, 7) / 1e9;
  const x = backend.createTensor('x', [batch, cols]);
  backend.writeTensor(x, randomValues(batch * cols, 1));
  const out = backend.createTensor('out', [batch, rows]);
  for (const type of types) {
    const info = ggmlTypeInfo(type);
    const bytes = (rows * cols * info.bytesPerBlock) / info.blockSize;
    const count = Math.max(1, Math.ceil(streamBytes / bytes));
    const weights = [];
    for (let i = 0; i < count; i++) {
      const w = backend.createWeight({ name: `w${i}`, type, shape: [cols, rows] });
      backend.uploadWeight(w, 0, randomRawBlocks(type, rows, cols, 100 + i));
      weights.push(w);
    }
    const pass = () => {
      for (const w of weights) backend.matmul(out, w, x, 1);
    };
    pass();
    const vector = time(pass, passes) / count;
    backend.matmul(out, weights[0], x, batch);
    const matrix = time(() => backend.matmul(out, weights[0], x, batch), Math.max(3, passes >> 1));
    results.push({
      type: info.name,
      threads,
      matvecGBs: bytes / vector / 1e9,
      matvecMs: vector * 1000,
      matmulGflops: (2 * rows * cols * batch) / matrix / 1e9,
      bandwidthGBs: bandwidth[threads],
    });
    for (const w of weights) backend.free(w);
    process.stderr.write('.');
  }
  backend.dispose();
}
process.stderr.write('\n');

if (args.has('json')) {
  console.log(JSON.stringify({ rows, cols, batch, bandwidth, results }, null, 2));
} else {
  const by = (type, threads) => results.find((r) => r.type === type && r.threads === threads);
  const f = (v, d = 1) => v.toFixed(d).padStart(7);
  console.log(`wasm kernels: ${rows}x${cols} weights; matvec = 1 token (GB/s of weights); matmul = ${batch} tokens`);
  console.log(
    `memory read bandwidth: ${threadCounts.map((t) => `${t} thread${t > 1 ? 's' : ''} ${bandwidth[t].toFixed(1)} GB/s`).join(', ')}`,
  );
  const head = ['type   '];
  for (const t of threadCounts) head.push(`mv ${t}T GB/s`, `% bw`);
  for (const t of threadCounts) head.push(`mm ${t}T GFLOP/s`);
  console.log(head.join(' | '));
  for (const type of [...new Set(results.map((r) => r.type))]) {
    const row = [type.padEnd(7)];
    for (const t of threadCounts)
      row.push(
        f(by(type, t).matvecGBs).padStart(12),
        `${f((100 * by(type, t).matvecGBs) / bandwidth[t], 0)}%`.padStart(5),
      );
    for (const t of threadCounts) row.push(f(by(type, t).matmulGflops).padStart(15));
    console.log(row.join(' | '));
  }
}

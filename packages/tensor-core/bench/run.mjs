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
import { randomValues, randomWeightBytes } from '../dist/wasm/random-tensors.js';
import { wasmWeightTypes } from '../dist/wasm/weight-kernels.js';
import { median } from './timing.mjs';

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

/**
 * Median wall seconds of `n` runs of `fn`, and the share of the `threads` cores the process actually got
 * meanwhile (CPU time / wall time / threads): below ~0.9 the machine was busy with other work.
 */
function time(fn, n, threads) {
  const times = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  const share = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0) / threads;
  return { seconds: median(times), share };
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
    // real-scale weights (std 0.02, as in LLaMA models): some block scales are subnormal halves there,
    // which once doubled the Q6_K products' time (see assembly/common.ts); two distinct matrices,
    // copied to fill the stream (contents do not change the speed, addresses do)
    const distinct = [0, 1].map((i) => randomWeightBytes(type, rows, cols, 100 + i, 0.02));
    const weights = [];
    for (let i = 0; i < count; i++) {
      const w = backend.createWeight({ name: `w${i}`, type, shape: [cols, rows] });
      backend.uploadWeight(w, 0, distinct[i % 2]);
      weights.push(w);
    }
    const pass = () => {
      for (const w of weights) backend.matmul(out, w, x, 1);
    };
    // the decode tuner (src/wasm/decode-tuner.ts) times its variants on the first products: let it settle
    pass();
    for (let i = 0; i < 64 && backend.decodeTuning().chosen === undefined; i++) pass();
    const vector = time(pass, passes, threads);
    backend.matmul(out, weights[0], x, batch);
    const matrix = time(() => backend.matmul(out, weights[0], x, batch), Math.max(3, passes >> 1), threads);
    results.push({
      type: info.name,
      threads,
      matvecGBs: bytes / (vector.seconds / count) / 1e9,
      matvecMs: (vector.seconds / count) * 1000,
      matvecCpuShare: vector.share,
      matmulGflops: (2 * rows * cols * batch) / matrix.seconds / 1e9,
      matmulCpuShare: matrix.share,
      bandwidthGBs: bandwidth[threads],
      decodeVariant: backend.decodeTuning().chosen,
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
  console.log('cpu = share of the cores the benchmark got (other work on the machine lowers it and the figures)');
  const variants = [...new Set(results.map((r) => JSON.stringify(r.decodeVariant)))];
  console.log(`decode streaming variant the tuner kept (src/wasm/decode-tuner.ts): ${variants.join(', ')}`);
  const head = ['type   '];
  for (const t of threadCounts) head.push(`mv ${t}T GB/s`, '% bw', 'cpu');
  for (const t of threadCounts) head.push(`mm ${t}T GFLOP/s`, 'cpu');
  console.log(head.join(' | '));
  const pct = (v) => `${Math.round(100 * v)}%`.padStart(4);
  for (const type of [...new Set(results.map((r) => r.type))]) {
    const row = [type.padEnd(7)];
    for (const t of threadCounts) {
      const r = by(type, t);
      row.push(f(r.matvecGBs).padStart(12), pct(r.matvecGBs / bandwidth[t]), pct(r.matvecCpuShare));
    }
    for (const t of threadCounts) row.push(f(by(type, t).matmulGflops).padStart(15), pct(by(type, t).matmulCpuShare));
    console.log(row.join(' | '));
  }
}

/**
 * `gpu-probe`: what the WebGPU backend's time per token is made of on this machine's GPU, for the GPU
 * bench (README, "GPU"). Prints the adapter, a write → submit → read round trip, the JavaScript time to
 * record one matmul dispatch, and each matmul kernel alone on llama7b-shape weights: decode (1 token, GB/s
 * of weights read) and prefill (512 tokens, GFLOP/s).
 *
 * Usage (bundled like the bench): node tools/make-model/scripts/run.mjs tools/bench src/gpu-probe.ts [-- --small]
 */
import { GgmlType, ggmlRowSize } from '@llamats/gguf-format';
import { type Backend, createWebGpuBackend, quantize, type Tensor } from '@llamats/tensor-core';

/** llama7b-shape matrices as Q4_K_M stores them: [rows, cols, type]. */
const MATRICES: readonly [string, number, number, GgmlType][] = [
  ['attn_q 4096x4096 Q4_K', 4096, 4096, GgmlType.Q4_K],
  ['ffn_up 11008x4096 Q4_K', 11008, 4096, GgmlType.Q4_K],
  ['ffn_down 4096x11008 Q6_K', 4096, 11008, GgmlType.Q6_K],
  ['output 32000x4096 Q6_K', 32000, 4096, GgmlType.Q6_K],
  ['attn_q 4096x4096 Q4_0', 4096, 4096, GgmlType.Q4_0],
  ['attn_q 4096x4096 Q8_0', 4096, 4096, GgmlType.Q8_0],
];

/** `--small`: a quick check of the probe itself on a software adapter. */
const SMALL: typeof MATRICES = [
  ['small 512x512 Q4_K', 512, 512, GgmlType.Q4_K],
  ['small 512x512 Q6_K', 512, 512, GgmlType.Q6_K],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A weight of N(0, 0.02) values: 64 quantized rows repeated (speed does not depend on the values). */
async function makeWeight(backend: Backend, rows: number, cols: number, type: GgmlType): Promise<Tensor> {
  const rowBytes = ggmlRowSize(type, cols);
  const poolRows = 64;
  const values = new Float32Array(poolRows * cols);
  for (let i = 0; i < values.length; i++)
    values[i] = 0.02 * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(6.283 * Math.random());
  const pool = new Uint8Array(poolRows * rowBytes);
  quantize(type, values, pool, values.length);
  const weight = backend.createWeight({ name: `probe ${rows}x${cols}`, type, shape: [cols, rows], layer: 0 });
  const chunkRows = Math.max(poolRows, Math.floor((32 << 20) / rowBytes / poolRows) * poolRows);
  const chunk = new Uint8Array(chunkRows * rowBytes);
  for (let r = 0; r < chunkRows; r += poolRows) chunk.set(pool, r * rowBytes);
  for (let r = 0; r < rows; r += chunkRows) {
    const n = Math.min(chunkRows, rows - r);
    await backend.uploadWeight(weight, r * rowBytes, chunk.subarray(0, n * rowBytes));
  }
  return weight;
}

/** Milliseconds per product: `reps` products recorded in one frame, minus one, waited for by a read. */
async function timeProducts(backend: Backend, out: Tensor, w: Tensor, x: Tensor, n: number, reps: number) {
  const run = async (k: number) => {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) backend.matmul(out, w, x, n);
    await backend.readTensor(out, 0, 1);
    return performance.now() - t0;
  };
  await run(2);
  const one: number[] = [];
  const many: number[] = [];
  for (let i = 0; i < 3; i++) {
    one.push(await run(1));
    many.push(await run(reps + 1));
  }
  return (median(many) - median(one)) / reps;
}

async function main(): Promise<void> {
  const backend = await createWebGpuBackend({ powerPreference: 'high-performance' });
  try {
    console.log(`adapter: ${backend.info.detail}`);
    const small = backend.createTensor('probe small', [16]);
    const trips: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      backend.writeTensor(small, new Float32Array(16).fill(i));
      await backend.readTensor(small);
      trips.push(performance.now() - t0);
    }
    console.log(`round trip (write, submit, read 64 bytes): median ${(1000 * median(trips)).toFixed(0)} us`);

    console.log('matrix | decode ms | decode GB/s | record us/dispatch | pp512 ms | pp512 GFLOP/s');
    for (const [label, rows, cols, type] of process.argv.includes('--small') ? SMALL : MATRICES) {
      const w = await makeWeight(backend, rows, cols, type);
      const x = backend.createTensor('probe x', [512, cols]);
      const out = backend.createTensor('probe out', [512, rows]);
      backend.writeTensor(
        x,
        Float32Array.from({ length: 512 * cols }, () => Math.random() - 0.5),
      );
      const bytes = rows * ggmlRowSize(type, cols);
      const decode = await timeProducts(backend, out, w, x, 1, 200);
      // Recording alone: 300 dispatches, then one wait outside the timing.
      const t0 = performance.now();
      for (let i = 0; i < 300; i++) backend.matmul(out, w, x, 1);
      const recordUs = ((performance.now() - t0) * 1000) / 300;
      await backend.readTensor(out, 0, 1);
      const prefill = await timeProducts(backend, out, w, x, 512, 10);
      const flops = 2 * rows * cols * 512;
      console.log(
        `${label} | ${decode.toFixed(3)} | ${(bytes / decode / 1e6).toFixed(0)} | ${recordUs.toFixed(1)} | ${prefill.toFixed(2)} | ${(flops / prefill / 1e6).toFixed(0)}`,
      );
      backend.free(w);
      backend.free(x);
      backend.free(out);
    }
  } finally {
    backend.dispose();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);

/**
 * `gpu-probe`: what the WebGPU backend's time per token is made of on this machine's GPU, for the GPU
 * bench (README, "GPU"). Prints the adapter, a write → submit → read round trip, the floor of one
 * dispatch, and each matmul kernel alone on llama7b-shape weights: decode (1 token: GPU time, GB/s of
 * weights read, JavaScript time to record it) and prefill (512 tokens). With `--shapes 64x1,32x4,...` it
 * times decode with each matrix-vector shape and prints the best for a llama7b-shape layer.
 *
 * Usage (bundled like the bench): node tools/make-model/scripts/run.mjs tools/bench src/gpu-probe.ts --
 *   [--shapes LIST] [--small]
 */
import { GgmlType, ggmlRowSize } from '@llamats/gguf-format';
import { type Backend, createWebGpuBackend, type MatvecShape, quantize, type Tensor } from '@llamats/tensor-core';

/**
 * llama7b-shape matrices as Q4_K_M stores them: [label, rows, cols, type, uses per layer] (ffn_down and
 * attn_v are Q6_K in half of the layers; the output matrix counts as 1/32 of a layer).
 */
const MATRICES: readonly [string, number, number, GgmlType, number][] = [
  ['attn_q 4096x4096 Q4_K', 4096, 4096, GgmlType.Q4_K, 3.5],
  ['attn_v 4096x4096 Q6_K', 4096, 4096, GgmlType.Q6_K, 0.5],
  ['ffn_up 11008x4096 Q4_K', 11008, 4096, GgmlType.Q4_K, 2],
  ['ffn_down 4096x11008 Q4_K', 4096, 11008, GgmlType.Q4_K, 0.5],
  ['ffn_down 4096x11008 Q6_K', 4096, 11008, GgmlType.Q6_K, 0.5],
  ['output 32000x4096 Q6_K', 32000, 4096, GgmlType.Q6_K, 1 / 32],
];

/** Timing needs the GPU idle while recording: one submit per timed batch. */
const ONE_SUBMIT = { powerPreference: 'high-performance', dispatchesPerSubmit: Number.POSITIVE_INFINITY } as const;

/** `--small`: a quick check of the probe itself on a software adapter. */
const SMALL: typeof MATRICES = [
  ['small 64x2048 Q4_K', 64, 2048, GgmlType.Q4_K, 1],
  ['small 64x2048 Q6_K', 64, 2048, GgmlType.Q6_K, 1],
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

/**
 * GPU milliseconds per op: `reps` ops recorded in one frame, waited for by a read, minus the same for one
 * op. The GPU idles while JavaScript records (one submit per frame), so the wait is GPU time plus a round
 * trip; recording is timed apart (microseconds per op).
 */
async function timeOps(backend: Backend, op: () => void, probe: Tensor, reps: number) {
  const run = async (k: number) => {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) op();
    const t1 = performance.now();
    await backend.readTensor(probe, 0, 1);
    return { record: t1 - t0, wait: performance.now() - t1 };
  };
  await run(2);
  const one: number[] = [];
  const many: number[] = [];
  const record: number[] = [];
  for (let i = 0; i < 3; i++) {
    one.push((await run(1)).wait);
    const m = await run(reps + 1);
    many.push(m.wait);
    record.push(m.record);
  }
  return { gpuMs: (median(many) - median(one)) / reps, recordUs: (1000 * median(record)) / (reps + 1) };
}

/** `WxR` (workgroup size x rows per workgroup) → shape. */
function parseShape(text: string): MatvecShape {
  const [w, r] = text.split('x').map(Number);
  if (!(w > 0 && r > 0)) throw new Error(`a matvec shape is WORKGROUPxROWS (64x2), got "${text}"`);
  return { workgroupSize: w, rows: r };
}

async function probeAdapter(): Promise<void> {
  const backend = await createWebGpuBackend({ ...ONE_SUBMIT });
  try {
    console.log(`adapter: ${backend.info.detail}`);
    const small = backend.createTensor('probe small', [2048]);
    const trips: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      backend.writeTensor(small, new Float32Array(16).fill(i));
      await backend.readTensor(small, 0, 16);
      trips.push(performance.now() - t0);
    }
    console.log(`round trip (write, submit, read 64 bytes): median ${(1000 * median(trips)).toFixed(0)} us`);
    // The floor of one dispatch: adds of 2048 values, each reading the last one's output.
    const other = backend.createTensor('probe other', [2048]);
    const add = await timeOps(backend, () => backend.add(small, small, other, 1), small, 300);
    console.log(`add of 2048 values: GPU ${(1000 * add.gpuMs).toFixed(1)} us, record ${add.recordUs.toFixed(1)} us`);
    backend.free(small);
    backend.free(other);
  } finally {
    backend.dispose();
  }
}

/**
 * The ops of a llama7b-shape decode layer other than its products (norms, RoPE, KV write, attention over
 * `cells` cached positions, residual adds, SwiGLU): GPU time per layer.
 */
async function probeLayerOps(cells: number): Promise<void> {
  const backend = await createWebGpuBackend({ ...ONE_SUBMIT });
  try {
    const embd = 4096;
    const ff = 11008;
    const x = backend.createTensor('x', [1, embd]);
    const h = backend.createTensor('h', [1, embd]);
    const q = backend.createTensor('q', [1, embd]);
    const k = backend.createTensor('k', [1, embd]);
    const v = backend.createTensor('v', [1, embd]);
    const att = backend.createTensor('att', [1, embd]);
    const gate = backend.createTensor('gate', [1, ff]);
    const up = backend.createTensor('up', [1, ff]);
    const norm = backend.createWeight({ name: 'norm', type: GgmlType.F32, shape: [embd], layer: 0 });
    await backend.uploadWeight(norm, 0, new Uint8Array(new Float32Array(embd).fill(1).buffer));
    const cache = backend.createKvCache({ nLayer: 1, nCtx: cells + 8, nHeadKv: 32, headDim: 128, type: 'f16' });
    const pos = Int32Array.of(cells);
    const rope = { nHead: 32, headDim: 128, nDims: 128, mode: 'normal' as const, freqBase: 10000, freqScale: 1 };
    const attn = { nHead: 32, nHeadKv: 32, headDim: 128, pos0: cells, scale: 1 / Math.sqrt(128) };
    const ops: [string, () => void][] = [
      ['rmsNorm 4096', () => backend.rmsNorm(h, x, norm, 1e-5, 1)],
      ['rope q', () => backend.rope(q, pos, rope)],
      ['writeKv', () => backend.writeKv(cache, 0, cells, k, v, 1)],
      [`attention over ${cells + 1} cells`, () => backend.attention(att, q, cache, 0, 1, attn)],
      ['add 4096', () => backend.add(x, x, att, 1)],
      ['swiglu 11008', () => backend.swiglu(gate, gate, up, 1)],
    ];
    // per layer: 2 norms, 2 ropes, 1 KV write, 1 attention, 2 adds, 1 SwiGLU
    const perLayer = [2, 2, 1, 1, 2, 1];
    let layerUs = 0;
    for (const [i, [name, op]] of ops.entries()) {
      const t = await timeOps(backend, op, x, 100);
      layerUs += perLayer[i] * 1000 * t.gpuMs;
      console.log(`op | ${name} | GPU ${(1000 * t.gpuMs).toFixed(1)} us | record ${t.recordUs.toFixed(1)} us`);
    }
    console.log(`op | llama7b-shape layer's other ops | GPU ${layerUs.toFixed(1)} us`);
  } finally {
    backend.dispose();
  }
}

/** Every matrix, decode (1 token) and prefill (512 tokens), with one matvec shape. */
async function probeMatrices(shape: MatvecShape | undefined, prefill: boolean): Promise<number> {
  const backend = await createWebGpuBackend({ ...ONE_SUBMIT, matvecShape: shape });
  const label = shape ? `${shape.workgroupSize}x${shape.rows}` : 'default';
  let layerMs = 0;
  try {
    for (const [name, rows, cols, type, perLayer] of process.argv.includes('--small') ? SMALL : MATRICES) {
      const w = await makeWeight(backend, rows, cols, type);
      const x = backend.createTensor('probe x', [512, cols]);
      const out = backend.createTensor('probe out', [512, rows]);
      backend.writeTensor(
        x,
        Float32Array.from({ length: 512 * cols }, () => Math.random() - 0.5),
      );
      const bytes = rows * ggmlRowSize(type, cols);
      const decode = await timeOps(backend, () => backend.matmul(out, w, x, 1), out, 200);
      layerMs += perLayer * decode.gpuMs;
      let pp = '';
      if (prefill) {
        const p = await timeOps(backend, () => backend.matmul(out, w, x, 512), out, 10);
        pp = ` | ${p.gpuMs.toFixed(2)} | ${((2 * rows * cols * 512) / p.gpuMs / 1e9).toFixed(1)}`;
      }
      console.log(
        `${label} | ${name} | ${(1000 * decode.gpuMs).toFixed(1)} | ${(bytes / decode.gpuMs / 1e6).toFixed(0)} | ${decode.recordUs.toFixed(1)}${pp}`,
      );
      backend.free(w);
      backend.free(x);
      backend.free(out);
    }
  } finally {
    backend.dispose();
  }
  console.log(`${label} | llama7b-shape layer's products | ${(1000 * layerMs).toFixed(1)} us`);
  return layerMs;
}

async function main(): Promise<void> {
  await probeAdapter();
  await probeLayerOps(process.argv.includes('--small') ? 16 : 256);
  const at = process.argv.indexOf('--shapes');
  const shapes = at > 0 ? process.argv[at + 1].split(',').map(parseShape) : [undefined];
  console.log('shape | matrix | decode GPU us | decode GB/s | record us | pp512 GPU ms | pp512 TFLOP/s');
  let best: { shape: MatvecShape | undefined; ms: number } | undefined;
  for (const [i, shape] of shapes.entries()) {
    let ms: number;
    try {
      ms = await probeMatrices(shape, i === 0);
    } catch (e) {
      console.log(`${shape?.workgroupSize}x${shape?.rows} | skipped: ${(e as Error).message}`);
      continue;
    }
    if (!best || ms < best.ms) best = { shape, ms };
  }
  if (best?.shape) console.log(`best matvec shape: ${best.shape.workgroupSize}x${best.shape.rows}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);

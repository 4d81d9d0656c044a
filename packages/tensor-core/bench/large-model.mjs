// A LLaMA-7B-shaped Q4_K_M model (about 3.9 GB of weights, plus a KV cache) in the wasm backend: more than
// one wasm32 memory can hold. Places every weight the way a loader streams it (8 MiB chunks straight into
// wasm memory), reports the memory groups and the peak resident memory against the weight bytes, checks
// a matrix product in the second memory against the reference backend, and times one decode step's
// matrix-vector products (all 32 layers and the output). Weights are random (speed does not depend on
// them). Usage: node bench/large-model.mjs [threads=2]        (after `pnpm build`; needs ~6 GB of RAM)
import { GgmlType, ggmlByteSize } from '@llamats/gguf-format';
import { createWasmBackend, ReferenceBackend } from '../dist/index.js';
import { randomRawBlocks, randomValues } from '../dist/wasm/random-tensors.js';
import { medianMs } from './timing.mjs';

const threads = Number(process.argv[2] ?? 2);
const E = 4096;
const FF = 11008;
const LAYERS = 32;
const VOCAB = 32000;
const CHUNK = 8 << 20;

const moreBits = (i) => i < LAYERS / 8 || i >= (7 * LAYERS) / 8 || (i - LAYERS / 8) % 3 === 2;
const plan = [{ name: 'token_embd.weight', type: GgmlType.Q4_K, shape: [E, VOCAB], layer: -1 }];
for (let l = 0; l < LAYERS; l++) {
  const v = moreBits(l) ? GgmlType.Q6_K : GgmlType.Q4_K;
  plan.push(
    { name: `blk.${l}.attn_norm.weight`, type: GgmlType.F32, shape: [E], layer: l },
    { name: `blk.${l}.attn_q.weight`, type: GgmlType.Q4_K, shape: [E, E], layer: l },
    { name: `blk.${l}.attn_k.weight`, type: GgmlType.Q4_K, shape: [E, E], layer: l },
    { name: `blk.${l}.attn_v.weight`, type: v, shape: [E, E], layer: l },
    { name: `blk.${l}.attn_output.weight`, type: GgmlType.Q4_K, shape: [E, E], layer: l },
    { name: `blk.${l}.ffn_norm.weight`, type: GgmlType.F32, shape: [E], layer: l },
    { name: `blk.${l}.ffn_gate.weight`, type: GgmlType.Q4_K, shape: [E, FF], layer: l },
    { name: `blk.${l}.ffn_up.weight`, type: GgmlType.Q4_K, shape: [E, FF], layer: l },
    { name: `blk.${l}.ffn_down.weight`, type: v, shape: [FF, E], layer: l },
  );
}
plan.push(
  { name: 'output_norm.weight', type: GgmlType.F32, shape: [E], layer: -1 },
  { name: 'output.weight', type: GgmlType.Q6_K, shape: [E, VOCAB], layer: -1 },
);

// one random chunk per type, reused (values do not matter for speed or placement)
const chunks = new Map();
const chunkOf = (type) => {
  if (!chunks.has(type)) {
    const cols = type === GgmlType.F32 ? 1024 : 4096;
    const rows = Math.floor(CHUNK / ggmlByteSize(type, cols));
    chunks.set(type, randomRawBlocks(type, rows, cols, type));
  }
  return chunks.get(type);
};

const backend = await createWasmBackend({ threads });
let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const started = performance.now();
let total = 0;
const weights = new Map();
for (const spec of plan) {
  const bytes = ggmlByteSize(
    spec.type,
    spec.shape.reduce((a, b) => a * b, 1),
  );
  const w = backend.createWeight(spec);
  const src = chunkOf(spec.type); // whole rows, a little under 8 MiB
  for (let off = 0; off < bytes; off += src.length)
    backend.uploadWeight(w, off, src.subarray(0, Math.min(src.length, bytes - off)));
  total += bytes;
  weights.set(spec.name, w);
  sample();
}
const cache = backend.createKvCache({ nLayer: LAYERS, nCtx: 512, nHeadKv: 32, headDim: 128, type: 'f16' });
sample();
const loadS = (performance.now() - started) / 1000;
const groups = backend.memoryGroups();
console.log(`weights: ${(total / 1e9).toFixed(2)} GB in ${loadS.toFixed(1)} s; memory groups:`);
for (const g of groups)
  console.log(
    `  group ${g.id}: ${(g.usedBytes / 2 ** 30).toFixed(2)} GiB used, memory ${(g.memoryBytes / 2 ** 30).toFixed(2)} GiB`,
  );
console.log(
  `peak RSS ${(peakRss / 1e9).toFixed(2)} GB = ${((100 * peakRss) / total).toFixed(0)}% of the weight bytes (goal: under 120%)`,
);

// a product with a weight in the last memory group, against the reference backend
const last = [...plan]
  .reverse()
  .find((p) => weights.get(p.name).group.id === groups.length - 1 && p.type !== GgmlType.F32);
const rows = last.shape[1];
const x = backend.createTensor('x', [1, E]);
const y = backend.createTensor('y', [1, rows]);
const xv = randomValues(E, 5);
backend.writeTensor(x, xv);
backend.matmul(y, weights.get(last.name), x, 1);
const ref = new ReferenceBackend();
const rw = ref.createWeight(last);
const src = chunkOf(last.type);
const bytes = ggmlByteSize(last.type, E * rows);
for (let off = 0; off < bytes; off += src.length)
  ref.uploadWeight(rw, off, src.subarray(0, Math.min(src.length, bytes - off)));
const rx = ref.createTensor('x', [1, E]);
const ry = ref.createTensor('y', [1, rows]);
ref.writeTensor(rx, xv);
ref.matmul(ry, rw, rx, 1);
const a = await backend.readTensor(y);
const b = await ref.readTensor(ry);
let num = 0;
let den = 0;
for (let i = 0; i < rows; i++) {
  num += (a[i] - b[i]) ** 2;
  den += b[i] ** 2;
}
console.log(
  `${last.name} (memory group ${weights.get(last.name).group.id}) vs reference: rel-RMS ${Math.sqrt(num / den).toExponential(2)}`,
);

// one decode step's matrix-vector products
const q = backend.createTensor('q', [1, E]);
const h = backend.createTensor('h', [1, FF]);
const logits = backend.createTensor('logits', [1, VOCAB]);
const step = () => {
  for (let l = 0; l < LAYERS; l++) {
    for (const n of ['attn_q', 'attn_k', 'attn_v', 'attn_output'])
      backend.matmul(q, weights.get(`blk.${l}.${n}.weight`), x, 1);
    backend.matmul(h, weights.get(`blk.${l}.ffn_gate.weight`), x, 1);
    backend.matmul(h, weights.get(`blk.${l}.ffn_up.weight`), x, 1);
    backend.matmul(q, weights.get(`blk.${l}.ffn_down.weight`), h, 1);
  }
  backend.matmul(logits, weights.get('output.weight'), x, 1);
};
step();
const ms = medianMs(step);
const streamed = total - ggmlByteSize(GgmlType.Q4_K, E * VOCAB);
console.log(
  `decode matmuls, ${threads} threads: ${ms.toFixed(0)} ms/token (median of 5) = ${(1000 / ms).toFixed(2)} t/s upper bound, ${(streamed / ms / 1e6).toFixed(1)} GB/s`,
);
backend.free(cache);
backend.dispose();

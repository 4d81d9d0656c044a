/**
 * The LLaMA forward pass, top to bottom like the paper: embedding lookup; per layer RMSNorm, Q/K/V
 * projections, RoPE, attention over the KV cache, output projection, residual, RMSNorm, SwiGLU
 * feed-forward, residual; final RMSNorm and the output projection to logits.
 */
import type { AttentionParams, Backend, KvCache, RopeParams, Tensor } from '@llamats/tensor-core';
import type { LlamaConfig } from './config.js';
import type { LlamaWeights } from './weights.js';

/**
 * Tokens per feed-forward slice. The feed-forward block runs this many tokens at a time, so its two
 * `[tokens, n_ff]` buffers (the largest activations: 22 MiB at n_batch 512 for n_ff 5632) are sized for a
 * slice, not for the batch. Each slice streams the three FFN weights again and unpacks their rows again, so
 * slices cost prompt speed as they shrink: 256 measured the same as 512 (0.99-1.01x pp512, tinyllama-shape
 * Q4_K_M, 2 threads), 128 about 2% slower.
 */
export const FFN_SLICE_TOKENS = 256;

/** Rows `[row0, row0 + rows)` of the batch, as views of the feed-forward input and output. */
export interface FfnSlice {
  readonly row0: number;
  readonly rows: number;
  readonly input: Tensor; // [rows, n_embd] view of xNorm
  readonly output: Tensor; // [rows, n_embd] view of proj
}

/**
 * Activation buffers for a batch of up to `nBatch` tokens, allocated once per context. Buffers whose
 * lifetimes within a layer do not overlap share memory: the attention output reuses `xNorm` (dead between
 * the Q/K/V projections and the next norm) and `proj` reuses `q` (dead after attention), when the shapes match.
 */
export interface ForwardState {
  readonly nBatch: number;
  readonly x: Tensor; // [n_batch, n_embd] residual stream
  readonly xNorm: Tensor; // [n_batch, n_embd]
  readonly q: Tensor; // [n_batch, n_head * head_dim]
  readonly k: Tensor; // [n_batch, n_head_kv * head_dim]
  readonly v: Tensor; // [n_batch, n_head_kv * head_dim]
  readonly attnOut: Tensor; // [n_batch, n_head * head_dim] (xNorm when n_head * head_dim = n_embd)
  readonly proj: Tensor; // [n_batch, n_embd] output of attn_output / ffn_down (q when the shapes match)
  readonly gate: Tensor; // [slice, n_ff]
  readonly up: Tensor; // [slice, n_ff]
  readonly ffnSlices: readonly FfnSlice[];
  readonly lastNorm: Tensor; // [1, n_embd] final hidden state of the last token
  readonly logits: Tensor; // [1, n_vocab] the last token's logits
  /**
   * [n_batch, n_vocab] every token's logits: made by {@link ensureAllLogits} on the first evaluation that
   * asks for them (perplexity), since at n_batch 512 and a 32000-token vocabulary it is 62.5 MiB that
   * generation never touches.
   */
  allLogits?: Tensor;
}

export function createForwardState(
  backend: Backend,
  c: LlamaConfig,
  nBatch: number,
  ffnSliceTokens = FFN_SLICE_TOKENS,
): ForwardState {
  const t = (name: string, cols: number, rows = nBatch) => backend.createTensor(name, [rows, cols]);
  const x = t('x', c.embeddingLength);
  const xNorm = t('x_norm', c.embeddingLength);
  const q = t('q', c.qDim);
  const qIsEmbd = c.qDim === c.embeddingLength;
  const attnOut = qIsEmbd ? xNorm : t('attn_out', c.qDim);
  const proj = qIsEmbd ? q : t('proj', c.embeddingLength);
  // Without row views (the WebGPU backend, whose buffers are not process memory) the block runs whole.
  const slice = backend.rowsView && nBatch > ffnSliceTokens ? ffnSliceTokens : nBatch;
  const ffnSlices: FfnSlice[] = [];
  if (slice === nBatch) ffnSlices.push({ row0: 0, rows: nBatch, input: xNorm, output: proj });
  else {
    for (let row0 = 0; row0 < nBatch; row0 += slice) {
      const rows = Math.min(slice, nBatch - row0);
      ffnSlices.push({
        row0,
        rows,
        input: backend.rowsView!(xNorm, row0, rows),
        output: backend.rowsView!(proj, row0, rows),
      });
    }
  }
  return {
    nBatch,
    x,
    xNorm,
    q,
    k: t('k', c.kvDim),
    v: t('v', c.kvDim),
    attnOut,
    proj,
    gate: t('ffn_gate', c.feedForwardLength, slice),
    up: t('ffn_up', c.feedForwardLength, slice),
    ffnSlices,
    lastNorm: t('last_norm', c.embeddingLength, 1),
    logits: t('logits', c.vocabSize, 1),
  };
}

/** The [n_batch, n_vocab] logits buffer of `s`, made on first use. */
export function ensureAllLogits(backend: Backend, c: LlamaConfig, s: ForwardState): Tensor {
  s.allLogits ??= backend.createTensor('all_logits', [s.nBatch, c.vocabSize]);
  return s.allLogits;
}

export function freeForwardState(backend: Backend, s: ForwardState): void {
  // every tensor field once (attnOut and proj may be xNorm and q); the slices' views own no memory
  const owned = new Set(Object.values(s).filter((v): v is Tensor => typeof v === 'object' && !Array.isArray(v)));
  for (const t of owned) backend.free(t);
}

export function ropeParams(c: LlamaConfig, weights: LlamaWeights, nHead: number): RopeParams {
  return {
    nHead,
    headDim: c.headDim,
    nDims: c.ropeDimensionCount,
    mode: c.ropeMode,
    freqBase: c.ropeFreqBase,
    freqScale: c.ropeFreqScale,
    freqFactors: weights.ropeFreqs,
  };
}

/**
 * Evaluates `tokens` (at most `state.nBatch`) at cells `pos0 ..`, appending their K/V to the cache.
 * Leaves logits in `state.allLogits` for every token (`allLogits`), else the last token's in `state.logits`.
 */
export function forward(
  backend: Backend,
  c: LlamaConfig,
  w: LlamaWeights,
  s: ForwardState,
  cache: KvCache,
  tokens: Int32Array,
  pos0: number,
  allLogits: boolean,
): void {
  const n = tokens.length;
  const positions = new Int32Array(n);
  for (let i = 0; i < n; i++) positions[i] = pos0 + i;
  const ropeQ = ropeParams(c, w, c.headCount);
  const ropeK = ropeParams(c, w, c.headCountKv);
  const attn: AttentionParams = {
    nHead: c.headCount,
    nHeadKv: c.headCountKv,
    headDim: c.headDim,
    pos0,
    scale: 1 / Math.sqrt(c.headDim),
  };

  backend.getRows(s.x, w.tokenEmbd, tokens); // [n, n_embd]
  for (let l = 0; l < c.blockCount; l++) {
    const L = w.layers[l];
    // attention block
    backend.rmsNorm(s.xNorm, s.x, L.attnNorm, c.rmsEps, n);
    backend.matmul(s.q, L.wq, s.xNorm, n); // [n, n_head * head_dim]
    backend.matmul(s.k, L.wk, s.xNorm, n); // [n, n_head_kv * head_dim]
    backend.matmul(s.v, L.wv, s.xNorm, n);
    backend.rope(s.q, positions, ropeQ);
    backend.rope(s.k, positions, ropeK);
    backend.writeKv(cache, l, pos0, s.k, s.v, n);
    backend.attention(s.attnOut, s.q, cache, l, n, attn);
    backend.matmul(s.proj, L.wo, s.attnOut, n); // [n, n_embd]
    backend.add(s.x, s.x, s.proj, n);
    // feed-forward block (SwiGLU)
    backend.rmsNorm(s.xNorm, s.x, L.ffnNorm, c.rmsEps, n);
    for (const slice of s.ffnSlices) {
      if (slice.row0 >= n) break;
      const m = Math.min(slice.rows, n - slice.row0);
      backend.matmul(s.gate, L.ffnGate, slice.input, m); // [m, n_ff]
      backend.matmul(s.up, L.ffnUp, slice.input, m);
      backend.swiglu(s.gate, s.gate, s.up, m);
      backend.matmul(slice.output, L.ffnDown, s.gate, m); // [m, n_embd] rows row0.. of proj
    }
    backend.add(s.x, s.x, s.proj, n);
  }
  if (allLogits) {
    backend.rmsNorm(s.xNorm, s.x, w.outputNorm, c.rmsEps, n);
    backend.matmul(ensureAllLogits(backend, c, s), w.output, s.xNorm, n); // [n, n_vocab]
  } else {
    // Only the last token's logits are needed to continue: project one row, not n.
    backend.copyRows(s.lastNorm, s.x, n - 1, 0, 1);
    backend.rmsNorm(s.lastNorm, s.lastNorm, w.outputNorm, c.rmsEps, 1);
    backend.matmul(s.logits, w.output, s.lastNorm, 1); // [1, n_vocab]
  }
}

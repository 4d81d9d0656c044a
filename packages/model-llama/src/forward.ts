/**
 * The LLaMA forward pass, top to bottom like the paper: embedding lookup; per layer RMSNorm, Q/K/V
 * projections, RoPE, attention over the KV cache, output projection, residual, RMSNorm, SwiGLU
 * feed-forward, residual; final RMSNorm and the output projection to logits.
 */
import type { AttentionParams, Backend, KvCache, RopeParams, Tensor } from '@llamats/tensor-core';
import type { LlamaConfig } from './config.js';
import type { LlamaWeights } from './weights.js';

/** Activation buffers for a batch of up to `nBatch` tokens, allocated once per context. */
export interface ForwardState {
  readonly nBatch: number;
  readonly x: Tensor; // [n_batch, n_embd] residual stream
  readonly xNorm: Tensor; // [n_batch, n_embd]
  readonly q: Tensor; // [n_batch, n_head * head_dim]
  readonly k: Tensor; // [n_batch, n_head_kv * head_dim]
  readonly v: Tensor; // [n_batch, n_head_kv * head_dim]
  readonly attnOut: Tensor; // [n_batch, n_head * head_dim]
  readonly proj: Tensor; // [n_batch, n_embd] output of attn_output / ffn_down
  readonly gate: Tensor; // [n_batch, n_ff]
  readonly up: Tensor; // [n_batch, n_ff]
  readonly lastNorm: Tensor; // [1, n_embd] final hidden state of the last token
  readonly logits: Tensor; // [1, n_vocab] the last token's logits
  /**
   * [n_batch, n_vocab] every token's logits: made by {@link ensureAllLogits} on the first evaluation that
   * asks for them (perplexity), since at n_batch 512 and a 32000-token vocabulary it is 62.5 MiB that
   * generation never touches.
   */
  allLogits?: Tensor;
}

export function createForwardState(backend: Backend, c: LlamaConfig, nBatch: number): ForwardState {
  const t = (name: string, cols: number, rows = nBatch) => backend.createTensor(name, [rows, cols]);
  return {
    nBatch,
    x: t('x', c.embeddingLength),
    xNorm: t('x_norm', c.embeddingLength),
    q: t('q', c.qDim),
    k: t('k', c.kvDim),
    v: t('v', c.kvDim),
    attnOut: t('attn_out', c.qDim),
    proj: t('proj', c.embeddingLength),
    gate: t('ffn_gate', c.feedForwardLength),
    up: t('ffn_up', c.feedForwardLength),
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
  for (const v of Object.values(s)) if (typeof v === 'object') backend.free(v as Tensor);
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
    backend.matmul(s.gate, L.ffnGate, s.xNorm, n); // [n, n_ff]
    backend.matmul(s.up, L.ffnUp, s.xNorm, n);
    backend.swiglu(s.gate, s.gate, s.up, n);
    backend.matmul(s.proj, L.ffnDown, s.gate, n); // [n, n_embd]
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

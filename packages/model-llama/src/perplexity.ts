/**
 * Perplexity exactly as llama.cpp's `llama-perplexity` computes it: the token sequence is cut into
 * `floor(n / nCtx)` windows; each window is evaluated from an empty cache with its first token replaced
 * by BOS, and positions `nCtx/2 .. nCtx-2` of each window are scored on predicting the next token.
 */
import type { LlamaModel } from './model.js';
import { yieldToEventLoop } from './yield.js';

export interface PerplexityOptions {
  /** Window size (llama-perplexity `-c`). */
  nCtx: number;
  /** BOS id to put at the start of each window (undefined: keep the first token). */
  bos?: number;
  /** Tokens per forward pass (default min(nCtx, 128)). */
  nBatch?: number;
  /** Called after each window with the running perplexity. */
  onChunk?: (chunk: number, nChunks: number, runningPpl: number) => void;
  signal?: AbortSignal;
}

export interface PerplexityResult {
  readonly ppl: number;
  /** Running perplexity after each window. */
  readonly chunks: number[];
  /** Number of scored predictions. */
  readonly scored: number;
}

/** -log softmax(logits)[target], computed in f64. */
export function negLogLikelihood(logits: Float32Array, offset: number, nVocab: number, target: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < nVocab; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let sum = 0;
  for (let i = 0; i < nVocab; i++) sum += Math.exp(logits[offset + i] - max);
  return Math.log(sum) + max - logits[offset + target];
}

export async function perplexity(
  model: LlamaModel,
  tokens: ArrayLike<number>,
  options: PerplexityOptions,
): Promise<PerplexityResult> {
  const { nCtx } = options;
  if (!Number.isInteger(nCtx) || nCtx < 4) throw new RangeError(`nCtx must be an integer >= 4, got ${nCtx}`);
  const nChunks = Math.floor(tokens.length / nCtx);
  if (nChunks < 1) {
    throw new RangeError(`The text has ${tokens.length} tokens; perplexity with nCtx ${nCtx} needs at least ${nCtx}`);
  }
  const ctx = model.createContext({ nCtx, nBatch: options.nBatch ?? Math.min(nCtx, 128), kvType: 'f32' });
  const nVocab = model.config.vocabSize;
  const first = nCtx >> 1;
  let nll = 0;
  let scored = 0;
  const chunks: number[] = [];
  try {
    for (let c = 0; c < nChunks; c++) {
      await yieldToEventLoop();
      options.signal?.throwIfAborted();
      const window = Array.from({ length: nCtx }, (_, i) => tokens[c * nCtx + i]);
      if (options.bos !== undefined) window[0] = options.bos;
      ctx.clear();
      const logits = await ctx.evaluate(window, { allLogits: true, signal: options.signal });
      for (let i = first; i < nCtx - 1; i++) {
        nll += negLogLikelihood(logits, i * nVocab, nVocab, window[i + 1]);
        scored++;
      }
      const running = Math.exp(nll / scored);
      chunks.push(running);
      options.onChunk?.(c + 1, nChunks, running);
    }
  } finally {
    ctx.dispose();
  }
  return { ppl: Math.exp(nll / scored), chunks, scored };
}

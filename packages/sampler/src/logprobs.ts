/**
 * Log-probabilities for OpenAI-style `logprobs` / `top_logprobs`. They are computed from the **unmodified
 * logits** the model produced (log-softmax over the whole vocabulary, before penalties, grammar, top-k or
 * temperature), i.e. the model's own distribution, which is what OpenAI reports.
 */
import { selectTopK } from './candidates.js';

export interface TokenLogprob {
  readonly token: number;
  readonly logprob: number;
}

export interface SampledToken extends TokenLogprob {
  /** The `n` most likely tokens under the model, most likely first. */
  readonly topLogprobs: readonly TokenLogprob[];
}

/** log-softmax of `logits` at `token`, plus the `topN` most likely tokens. */
export function logprobsOf(logits: Float32Array, token: number, topN: number, scratch?: Int32Array): SampledToken {
  const n = logits.length;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
  const logZ = max + Math.log(sum);
  const top: TokenLogprob[] = [];
  if (topN > 0) {
    const order = scratch && scratch.length >= n ? scratch : new Int32Array(n);
    const k = selectTopK(logits, n, Math.min(topN, n), order);
    for (let i = 0; i < k; i++) top.push({ token: order[i], logprob: logits[order[i]] - logZ });
  }
  return { token, logprob: logits[token] - logZ, topLogprobs: top };
}

import type { Candidates } from '../candidates.js';
import type { Mt19937 } from '../rng.js';

/** Greedy choice: the first candidate with the largest logit. */
export function selectGreedy(c: Candidates): void {
  c.selected = c.size === 0 ? -1 : c.argmax();
}

/**
 * Draws a candidate from softmax(logits) (llama.cpp's `dist` sampler): one uniform double from the generator,
 * then a running sum in double precision until it reaches `total * r`. Leaves normalised `probs`.
 */
export function selectDist(c: Candidates, rng: Mt19937): void {
  const n = c.size;
  if (n === 0) {
    c.selected = -1;
    return;
  }
  c.selected = 0;
  if (n === 1) {
    c.probs[0] = 1;
    return;
  }
  const max = c.maxLogit();
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.fround(Math.exp(c.logits[i] - max));
    c.probs[i] = p;
    total += p;
  }
  const target = total * rng.nextDouble();
  let run = 0;
  let found = false;
  for (let i = 0; i < n; i++) {
    if (!found) {
      run += c.probs[i];
      if (run >= target) {
        c.selected = i;
        found = true;
      }
    }
    c.probs[i] = c.probs[i] / total;
  }
  if (!found) c.selected = n - 1;
}

/**
 * `std::discrete_distribution<int>(probs)(rng)` as libstdc++ computes it: normalised cumulative sums in double
 * (last forced to 1), one canonical double, lower bound. Fewer than two weights → index 0 without a draw.
 */
export function drawDiscrete(probs: Float32Array, n: number, rng: Mt19937): number {
  if (n < 2) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += probs[i];
  const cp = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += probs[i] / sum;
    cp[i] = acc;
  }
  cp[n - 1] = 1;
  const r = rng.nextDouble();
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cp[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

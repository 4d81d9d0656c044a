import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/** Top-nσ: masks tokens whose logit is more than `n` standard deviations below the maximum (`n <= 0` disables). */
export class TopNSigmaStage implements Stage {
  readonly name = 'top-n-sigma';
  constructor(private readonly n: number) {}

  apply(c: Candidates): void {
    if (this.n <= 0 || c.size <= 1) return;
    let max = c.logits[0];
    let sum = 0;
    let count = 0;
    for (let i = 0; i < c.size; i++) {
      const l = c.logits[i];
      if (l === Number.NEGATIVE_INFINITY) continue;
      if (l > max) max = l;
      sum += l;
      count++;
    }
    const mean = count > 0 ? sum / count : 0;
    let acc = 0;
    for (let i = 0; i < c.size; i++) {
      const l = c.logits[i];
      if (l !== Number.NEGATIVE_INFINITY) acc += (l - mean) ** 2;
    }
    const std = count > 0 ? Math.sqrt(acc / count) : 0;
    const cut = max - this.n * std;
    for (let i = 0; i < c.size; i++) if (c.logits[i] < cut) c.logits[i] = Number.NEGATIVE_INFINITY;
    c.softmax(true);
  }
}

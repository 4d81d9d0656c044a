import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/**
 * Locally typical sampling: ranks tokens by |-ln p - entropy| and keeps the closest ones until their
 * probabilities sum past `p` (at least `minKeep`). The result is no longer sorted by logit.
 */
export class TypicalStage implements Stage {
  readonly name = 'typical';
  private readonly p: number;
  constructor(
    p: number,
    private readonly minKeep: number,
  ) {
    this.p = Math.fround(p);
  }

  apply(c: Candidates): void {
    if (this.p >= 1) return;
    c.softmax(true);
    const n = c.size;
    let entropy = 0;
    for (let i = 0; i < n; i++) {
      const p = c.probs[i];
      entropy = Math.fround(entropy - Math.fround(p * Math.fround(Math.log(p))));
    }
    const shifted = new Float32Array(n);
    for (let i = 0; i < n; i++) shifted[i] = Math.abs(-Math.fround(Math.log(c.probs[i])) - entropy);
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => shifted[a] - shifted[b] || a - b);
    let cum = 0;
    let last = n;
    for (let i = 0; i < n; i++) {
      cum = Math.fround(cum + c.probs[order[i]]);
      if (cum > this.p && (this.minKeep === 0 || i >= this.minKeep - 1)) {
        last = i + 1;
        break;
      }
    }
    c.permute(order, last);
    c.sorted = false;
  }
}

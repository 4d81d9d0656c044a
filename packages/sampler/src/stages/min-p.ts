import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/**
 * Min-p: keeps tokens whose probability is at least `p` times the most likely token's, i.e. whose logit is at
 * least `max + ln(p)` (no softmax needed). Keeps at least `minKeep` tokens.
 */
export class MinPStage implements Stage {
  readonly name = 'min-p';
  private readonly p: number;
  constructor(
    p: number,
    private readonly minKeep: number,
  ) {
    this.p = Math.fround(p);
  }

  apply(c: Candidates): void {
    if (this.p <= 0 || c.size === 0) return;
    if (!c.sorted) {
      const threshold = Math.fround(c.maxLogit() + Math.fround(Math.log(this.p)));
      let kept = 0;
      for (let i = 0; i < c.size; i++) if (c.logits[i] >= threshold) kept++;
      if (kept > 0 && kept >= this.minKeep) {
        c.filter((i) => c.logits[i] >= threshold);
        return;
      }
      c.sortAll();
    }
    const threshold = Math.fround(c.logits[0] + Math.fround(Math.log(this.p)));
    let i = 1;
    for (; i < c.size; i++) if (c.logits[i] < threshold && i >= this.minKeep) break;
    c.size = i;
  }
}

import type { Candidates } from '../candidates.js';
import type { Mt19937 } from '../rng.js';
import type { Stage } from './stage.js';

/**
 * Exclude Top Choices: with chance `probability`, removes every token at least as likely as `threshold`
 * except the least likely of them (so creative but plausible choices remain). `threshold > 0.5` disables it.
 */
export class XtcStage implements Stage {
  readonly name = 'xtc';
  private readonly probability: number;
  private readonly threshold: number;
  constructor(
    probability: number,
    threshold: number,
    private readonly minKeep: number,
    private readonly rng: Mt19937,
  ) {
    this.probability = Math.fround(probability);
    this.threshold = Math.fround(threshold);
  }

  apply(c: Candidates): void {
    if (this.probability <= 0 || this.threshold > 0.5 || c.size < 2) return;
    if (this.rng.nextFloat() > this.probability) return;
    c.softmax(true);
    let posLast = 0;
    for (let i = 0; i < c.size; i++) {
      if (c.probs[i] >= this.threshold) posLast = i;
      else break;
    }
    if (c.size - posLast >= this.minKeep && posLast > 0) c.dropFront(posLast);
  }
}

import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/** Adds a fixed bias to chosen tokens' logits (`-Infinity` bans a token). */
export class LogitBiasStage implements Stage {
  readonly name = 'logit-bias';
  constructor(private readonly biases: ReadonlyMap<number, number>) {}

  apply(c: Candidates): void {
    if (this.biases.size === 0) return;
    if (c.identity) {
      for (const [id, bias] of this.biases) if (id < c.size) c.logits[id] += bias;
    } else {
      for (let i = 0; i < c.size; i++) {
        const bias = this.biases.get(c.ids[i]);
        if (bias !== undefined) c.logits[i] += bias;
      }
    }
    c.sorted = false;
  }
}

import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/**
 * Repetition, frequency and presence penalties over the last `lastN` accepted tokens (llama.cpp's
 * `penalties` sampler): for a token seen `count` times, a positive logit is divided by `repeat` and a negative
 * one multiplied by it, then `count * frequency + presence` is subtracted.
 */
export class PenaltiesStage implements Stage {
  readonly name = 'penalties';
  private readonly ring: Int32Array;
  private ringStart = 0;
  private ringSize = 0;
  private readonly counts = new Map<number, number>();

  constructor(
    private readonly lastN: number,
    private readonly repeat: number,
    private readonly frequency: number,
    private readonly presence: number,
  ) {
    this.ring = new Int32Array(Math.max(lastN, 0));
  }

  private get disabled(): boolean {
    return this.lastN === 0 || (this.repeat === 1 && this.frequency === 0 && this.presence === 0);
  }

  accept(token: number): void {
    if (this.lastN === 0) return;
    this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
    if (this.ringSize === this.lastN) {
      const old = this.ring[this.ringStart];
      const n = this.counts.get(old)! - 1;
      if (n === 0) this.counts.delete(old);
      else this.counts.set(old, n);
      this.ring[this.ringStart] = token;
      this.ringStart = (this.ringStart + 1) % this.lastN;
    } else {
      this.ring[(this.ringStart + this.ringSize) % this.lastN] = token;
      this.ringSize++;
    }
  }

  apply(c: Candidates): void {
    if (this.disabled || this.counts.size === 0) return;
    const penalize = (i: number, count: number) => {
      let l = c.logits[i];
      l = l <= 0 ? l * this.repeat : l / this.repeat;
      c.logits[i] = l - (count * this.frequency + (count > 0 ? this.presence : 0));
    };
    if (c.identity) {
      for (const [id, count] of this.counts) if (id < c.size) penalize(id, count);
    } else {
      for (let i = 0; i < c.size; i++) {
        const count = this.counts.get(c.ids[i]);
        if (count !== undefined) penalize(i, count);
      }
    }
    c.sorted = false;
  }

  reset(): void {
    this.ringStart = 0;
    this.ringSize = 0;
    this.counts.clear();
  }
}

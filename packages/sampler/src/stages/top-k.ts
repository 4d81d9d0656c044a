import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/** Keeps the `k` most likely tokens (`k <= 0` keeps all). Partial selection, not a full sort. */
export function applyTopK(c: Candidates, k: number): void {
  if (k <= 0) return;
  c.keepTop(Math.min(k, c.size));
}

export class TopKStage implements Stage {
  readonly name = 'top-k';
  constructor(private readonly k: number) {}
  apply(c: Candidates): void {
    applyTopK(c, this.k);
  }
}

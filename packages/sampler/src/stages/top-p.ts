import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/** Size of the head tried before sorting a large unsorted list (llama.cpp uses the same heuristic). */
const HEAD = 256;

/**
 * Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities sum to at least `p`
 * (and at least `minKeep` tokens). A large unsorted list is not sorted whole when its top 256 tokens, found by
 * partial selection, already reach `p`.
 */
export class TopPStage implements Stage {
  readonly name = 'top-p';
  private readonly p: number;
  constructor(
    p: number,
    private readonly minKeep: number,
  ) {
    // llama.cpp holds p in single precision; comparisons against float sums depend on it.
    this.p = Math.fround(p);
  }

  apply(c: Candidates): void {
    if (this.p >= 1) return;
    c.softmax(false);
    if (!c.sorted) {
      if (c.size > 4 * HEAD && this.minKeep <= HEAD) {
        const head = c.selectTop(HEAD);
        let cum = 0;
        for (let i = 0; i < HEAD; i++) cum = Math.fround(cum + c.probs[head[i]]);
        if (cum >= this.p) {
          c.permute(head, HEAD);
          c.sorted = true;
        } else {
          c.sortAll();
        }
      } else {
        c.sortAll();
      }
    }
    let cum = 0;
    let last = c.size;
    for (let i = 0; i < c.size; i++) {
      cum = Math.fround(cum + c.probs[i]);
      if (cum >= this.p && i + 1 >= this.minKeep) {
        last = i + 1;
        break;
      }
    }
    c.size = last;
  }
}

import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/** Sequence breakers as token sequences: head token → tails (empty tail = the head alone breaks). */
export type DryBreakers = Map<number, number[][]>;

const MAX_BREAKER_CHARS = 40;
const MAX_TAIL_TOKENS = 20;

/**
 * Token sequences for DRY's string sequence breakers (llama.cpp's `get_overlapping_token_sequences`): a token
 * whose text contains a breaker breaks alone; a token whose text ends with the start of a breaker breaks when
 * followed by the tokens of the breaker's rest (found with `tokenize`, when available).
 */
export function dryBreakersFromStrings(
  breakers: readonly string[],
  pieces: readonly string[],
  tokenize?: (text: string) => number[],
): DryBreakers {
  const out: DryBreakers = new Map();
  const add = (head: number, tail: number[]) => {
    const list = out.get(head) ?? [];
    if (!list.some((t) => t.length === tail.length && t.every((x, i) => x === tail[i]))) list.push(tail);
    out.set(head, list);
  };
  for (let breaker of breakers) {
    if (breaker.length === 0) continue;
    if (breaker.length > MAX_BREAKER_CHARS) breaker = breaker.slice(0, MAX_BREAKER_CHARS);
    for (let id = 0; id < pieces.length; id++) {
      const word = pieces[id];
      if (word.includes(breaker)) {
        add(id, []);
        continue;
      }
      if (!tokenize) continue;
      // Positions where the word's end overlaps the breaker's start.
      for (let pos = word.indexOf(breaker[0]); pos >= 0; pos = word.indexOf(breaker[0], pos + 1)) {
        const overlap = word.length - pos;
        if (overlap >= breaker.length || !breaker.startsWith(word.slice(pos))) continue;
        add(id, tokenize(breaker.slice(overlap)).slice(0, MAX_TAIL_TOKENS));
      }
    }
  }
  return out;
}

/**
 * DRY ("Don't Repeat Yourself", llama.cpp's port of koboldcpp's sampler): a token that would extend a
 * repetition of the recent context longer than `allowedLength` gets `multiplier * base^(length -
 * allowedLength)` subtracted from its logit. Sequence breakers reset the repetition length.
 */
export class DryStage implements Stage {
  readonly name = 'dry';
  private readonly capacity: number;
  private readonly ring: Int32Array;
  private start = 0;
  private count = 0;
  private repeatCount: Int32Array;
  private readonly maxRepeat = new Map<number, number>();

  constructor(
    private readonly multiplier: number,
    private readonly base: number,
    private readonly allowedLength: number,
    penaltyLastN: number,
    private readonly contextSize: number,
    private readonly breakers: DryBreakers,
  ) {
    this.capacity = this.enabled ? (penaltyLastN === -1 ? contextSize : Math.max(penaltyLastN, 0)) : 0;
    this.ring = new Int32Array(this.capacity);
    this.repeatCount = new Int32Array(this.capacity);
  }

  private get enabled(): boolean {
    return this.multiplier !== 0 && this.base >= 1;
  }

  /** The `i`-th most recent token (0 = last). */
  private rat(i: number): number {
    return this.ring[(this.start + this.count - 1 - i) % this.capacity];
  }

  accept(token: number): void {
    if (this.capacity === 0) return;
    if (this.count === this.capacity) {
      this.ring[this.start] = token;
      this.start = (this.start + 1) % this.capacity;
    } else {
      this.ring[(this.start + this.count) % this.capacity] = token;
      this.count++;
    }
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.maxRepeat.clear();
  }

  apply(c: Candidates): void {
    if (this.capacity === 0) return;
    const lastN = Math.min(this.count, this.capacity, this.contextSize);
    if (lastN <= this.allowedLength) return;
    const rc = this.repeatCount;
    rc.fill(0, 0, lastN);
    this.maxRepeat.clear();

    // 1. The nearest sequence breaker limits how far back a repetition may reach.
    let repLimit = lastN;
    for (let i = 0; i < lastN; i++) {
      const tails = this.breakers.get(this.rat(i));
      if (!tails) continue;
      let longest = -1;
      for (const tail of tails) {
        const len = tail.length;
        if (len <= longest || len > i) continue;
        let match = true;
        for (let o = 0; o < len; o++) {
          if (tail[o] !== this.rat(i - o - 1)) {
            match = false;
            break;
          }
        }
        if (match) longest = len;
      }
      if (longest >= 0) {
        repLimit = i - longest;
        break;
      }
    }
    if (repLimit < this.allowedLength) return;

    // 2. Z-algorithm over the reversed context: rc[last - k] = length of the suffix repeated ending k back.
    const last = lastN - 1;
    let lt = 0;
    let rt = 0;
    for (let k = 1; k < lastN; k++) {
      if (k > rt) {
        let n = 0;
        while (n + k < lastN && this.rat(n) === this.rat(n + k)) n++;
        rc[last - k] = Math.min(n, repLimit);
        if (n > 0) {
          lt = k;
          rt = k + n - 1;
        }
      } else {
        const p = k - lt;
        const rightLen = rt - k + 1;
        if (rc[last - p] < rightLen) {
          rc[last - k] = Math.min(rc[last - p], repLimit);
        } else {
          let i = rt + 1;
          while (i < lastN && this.rat(i) === this.rat(i - k)) i++;
          rc[last - k] = Math.min(i - k, repLimit);
          lt = k;
          rt = i - 1;
        }
      }
    }

    // 3. The token after each repeated stretch would extend it.
    for (let i = 0; i < lastN - 1; i++) {
      const len = rc[i];
      if (len < this.allowedLength) continue;
      const token = this.rat(lastN - 2 - i);
      const prev = this.maxRepeat.get(token);
      if (prev === undefined || prev < len) this.maxRepeat.set(token, len);
    }
    if (this.maxRepeat.size === 0) return;

    // 4. Penalise, clamping the exponent so base^exp stays finite in single precision.
    const FLOAT_MAX_LOG = 88.7228391;
    const maxExponent = this.base > 1.000001 ? Math.trunc(FLOAT_MAX_LOG / Math.log(this.base)) : 0;
    const penalize = (i: number, len: number) => {
      const tails = this.breakers.get(c.ids[i]);
      if (tails?.some((t) => t.length === 0)) return;
      let exp = len - this.allowedLength;
      if (maxExponent > 0 && exp > maxExponent) exp = maxExponent;
      c.logits[i] -= this.multiplier * this.base ** exp;
    };
    if (c.identity) {
      for (const [id, len] of this.maxRepeat) if (id < c.size) penalize(id, len);
    } else {
      for (let i = 0; i < c.size; i++) {
        const len = this.maxRepeat.get(c.ids[i]);
        if (len !== undefined) penalize(i, len);
      }
    }
    c.sorted = false;
  }
}

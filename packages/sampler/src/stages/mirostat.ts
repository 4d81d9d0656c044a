import type { Candidates } from '../candidates.js';
import type { Mt19937 } from '../rng.js';
import { drawDiscrete } from './select.js';

/** A stage that picks the token itself (mirostat adapts its state from the choice). */
export interface Selector {
  readonly name: string;
  select(c: Candidates): void;
  reset?(): void;
}

/**
 * Mirostat 1.0: estimates the Zipf exponent from the top `m` tokens, derives a top-k that targets surprise
 * `tau`, draws, and moves `mu` by `eta` times the surprise error.
 */
export class MirostatV1 implements Selector {
  readonly name = 'mirostat';
  private mu: number;
  constructor(
    private readonly nVocab: number,
    private readonly tau: number,
    private readonly eta: number,
    private readonly m: number,
    private readonly rng: Mt19937,
  ) {
    this.mu = 2 * tau;
  }

  select(c: Candidates): void {
    c.softmax(true);
    let sumTiBi = 0;
    let sumTiSq = 0;
    for (let i = 0; i < this.m - 1 && i < c.size - 1; i++) {
      const ti = Math.fround(Math.log((i + 2) / (i + 1)));
      const bi = Math.fround(Math.log(c.probs[i] / c.probs[i + 1]));
      sumTiBi = Math.fround(sumTiBi + Math.fround(ti * bi));
      sumTiSq = Math.fround(sumTiSq + Math.fround(ti * ti));
    }
    const sHat = Math.fround(sumTiBi / sumTiSq);
    const epsHat = sHat - 1;
    // Without a vocabulary size given, the candidate list (the full vocabulary here) stands in for it.
    const nVocab = this.nVocab > 0 ? this.nVocab : c.size;
    const k = Math.fround(((epsHat * 2 ** this.mu) / (1 - nVocab ** -epsHat)) ** (1 / sHat));
    const keep = Math.max(Number.isFinite(k) ? Math.trunc(k) : 1, 1);
    c.keepTop(Math.min(keep, c.size));
    c.softmax(true);
    const idx = drawDiscrete(c.probs, c.size, this.rng);
    c.selected = idx;
    const surprise = -Math.log2(c.probs[idx]);
    this.mu = Math.fround(this.mu - this.eta * (surprise - this.tau));
  }

  reset(): void {
    this.mu = 2 * this.tau;
  }
}

/** Mirostat 2.0: drops tokens whose surprise exceeds `mu`, draws from the rest, adapts `mu`. */
export class MirostatV2 implements Selector {
  readonly name = 'mirostat-v2';
  private mu: number;
  constructor(
    private readonly tau: number,
    private readonly eta: number,
    private readonly rng: Mt19937,
  ) {
    this.mu = 2 * tau;
  }

  select(c: Candidates): void {
    c.softmax(true);
    let size = 0;
    while (size < c.size && !(-Math.log2(c.probs[size]) > this.mu)) size++;
    c.size = Math.max(size, 1);
    c.softmax(true);
    const idx = drawDiscrete(c.probs, c.size, this.rng);
    c.selected = idx;
    const surprise = -Math.log2(c.probs[idx]);
    this.mu = Math.fround(this.mu - this.eta * (surprise - this.tau));
  }

  reset(): void {
    this.mu = 2 * this.tau;
  }
}

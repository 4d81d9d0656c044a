import type { Candidates } from '../candidates.js';
import type { Stage } from './stage.js';

/** Divides logits by `temp`; `temp <= 0` keeps only the most likely token (all others get -Infinity). */
export function applyTemperature(c: Candidates, temp: number): void {
  if (temp <= 0) {
    const best = c.argmax();
    for (let i = 0; i < c.size; i++) if (i !== best) c.logits[i] = Number.NEGATIVE_INFINITY;
    return;
  }
  const t = Math.fround(temp);
  for (let i = 0; i < c.size; i++) c.logits[i] = c.logits[i] / t;
}

/**
 * Temperature with optional dynamic range (llama.cpp's `temp-ext`): when `range > 0` the temperature moves
 * within `[temp - range, temp + range]` with the normalised entropy of the distribution raised to `exponent`.
 */
export class TemperatureStage implements Stage {
  readonly name = 'temperature';
  constructor(
    private readonly temp: number,
    private readonly range = 0,
    private readonly exponent = 1,
  ) {}

  apply(c: Candidates): void {
    if (this.range <= 0) {
      applyTemperature(c, this.temp);
      return;
    }
    const minTemp = Math.max(0, this.temp - this.range);
    const maxTemp = this.temp + this.range;
    if (c.size <= 1) return;
    const maxEntropy = -Math.fround(Math.log(1 / c.size));
    c.softmax(true);
    let entropy = 0;
    for (let i = 0; i < c.size; i++) {
      const p = c.probs[i];
      if (p > 0) entropy = Math.fround(entropy - Math.fround(p * Math.fround(Math.log(p))));
    }
    const normalized = entropy / maxEntropy;
    const dynTemp = Math.fround(minTemp + (maxTemp - minTemp) * Math.fround(normalized ** this.exponent));
    applyTemperature(c, dynTemp);
    // Probabilities after scaling, in double precision like llama.cpp.
    const max = c.logits[0];
    let sum = 0;
    for (let i = 0; i < c.size; i++) {
      const p = Math.exp(c.logits[i] - max);
      c.probs[i] = p;
      sum += p;
    }
    for (let i = 0; i < c.size; i++) c.probs[i] = c.probs[i] / sum;
  }
}

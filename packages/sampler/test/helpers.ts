import { Candidates } from '../src/candidates.js';
import { Mt19937 } from '../src/rng.js';
import { selectDist } from '../src/stages/select.js';
import type { Stage } from '../src/stages/stage.js';

/** Candidates whose logits are ln(p) for the given probabilities (token id = index). */
export function fromProbs(probs: readonly number[]): Candidates {
  const c = new Candidates(probs.length);
  c.load(Float32Array.from(probs, (p) => Math.fround(Math.log(Math.fround(p)))));
  return c;
}

/** Probability of each remaining token after `stages` and a final dist draw, by token id. */
export function probsAfter(probs: readonly number[], ...stages: Stage[]): Map<number, number> {
  const c = fromProbs(probs);
  for (const s of stages) s.apply(c);
  selectDist(c, new Mt19937(0));
  return probsById(c);
}

export function probsById(c: Candidates): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < c.size; i++) out.set(c.ids[i], c.probs[i]);
  return out;
}

/** Asserts `actual` holds exactly the tokens of `expected` (by id) with probabilities within 1e-5. */
export function expectProbs(actual: Map<number, number>, expected: Record<number, number>): void {
  const want = new Map(Object.entries(expected).map(([k, v]) => [Number(k), v]));
  const got = [...actual.entries()].sort((a, b) => a[0] - b[0]);
  const exp = [...want.entries()].sort((a, b) => a[0] - b[0]);
  const fmt = (e: [number, number][]) => e.map(([k, v]) => `${k}:${v.toFixed(6)}`).join(' ');
  const ok = got.length === exp.length && got.every(([k, v], i) => k === exp[i][0] && Math.abs(v - exp[i][1]) < 1e-5);
  if (!ok) throw new Error(`expected {${fmt(exp)}} got {${fmt(got)}}`);
}

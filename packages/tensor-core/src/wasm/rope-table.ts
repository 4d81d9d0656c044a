/**
 * Rotation tables for RoPE, computed in f64 and stored as f32: per position, `C[d]` and `S[d]` for every
 * rotated dimension d so that the kernel computes `x[d] * C[d] + x[partner(d)] * S[d]`
 * (partner = d ^ 1 for adjacent pairs, d +- nDims / 2 for NeoX halves).
 */
import type { RopeParams } from '../backend.js';

/** theta_i = freqScale * base^(-2i / nDims) / factor_i for each rotated pair i (as the reference backend). */
export function ropeThetas(p: RopeParams, factors: Float32Array | undefined): Float64Array {
  const half = p.nDims / 2;
  const th = new Float64Array(half);
  for (let i = 0; i < half; i++)
    th[i] = (p.freqScale * p.freqBase ** ((-2 * i) / p.nDims)) / (factors ? factors[i] : 1);
  return th;
}

/** Writes the tables of `positions` into `out` (`2 * nDims` f32 per position: C then S). */
export function fillRopeTable(
  p: RopeParams,
  thetas: Float64Array,
  positions: ArrayLike<number>,
  out: Float32Array,
): void {
  const n = p.nDims;
  const half = n / 2;
  for (let t = 0; t < positions.length; t++) {
    const C = t * 2 * n;
    const S = C + n;
    for (let i = 0; i < half; i++) {
      const angle = positions[t] * thetas[i];
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      const a = p.mode === 'normal' ? 2 * i : i;
      const b = p.mode === 'normal' ? a + 1 : a + half;
      out[C + a] = c;
      out[C + b] = c;
      out[S + a] = -s;
      out[S + b] = s;
    }
  }
}

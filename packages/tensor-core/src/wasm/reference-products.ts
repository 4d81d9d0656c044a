/**
 * Test support (not part of the public API; no Node imports, so the browser check uses it too): the f64
 * products that the weight kernels are checked against, and the error measure of those checks.
 */

/** sqrt(sum((a - b)^2) / sum(b^2)): the relative RMS error of `a` against `b` (throws on a length mismatch). */
export function relRms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** f64 products of `m` activation rows `x` with the `rows x cols` dequantized weights `W`: [m, rows]. */
export function exactProducts(W: Float32Array, x: Float32Array, m: number, rows: number, cols: number): Float64Array {
  const exact = new Float64Array(m * rows);
  for (let t = 0; t < m; t++)
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += W[r * cols + c] * x[t * cols + c];
      exact[t * rows + r] = s;
    }
  return exact;
}

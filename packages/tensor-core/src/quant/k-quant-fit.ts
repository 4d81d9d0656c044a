/**
 * The scale searches that ggml's reference K-quant quantizers share (`make_qx_quants`, `make_q3_quants`,
 * `make_qkx2_quants` in ggml-quants.c), in f32 arithmetic step for step, so that our quantizers choose the
 * same scales and levels as llama.cpp's `llama-quantize` without an importance matrix.
 *
 * Each works on `n` values `x[xo .. xo + n)` and writes one level per value into `L[lo .. lo + n)`.
 * Every multiply-add is rounded twice (no fused multiply-add), as the C source says and as the llama.cpp
 * build that wrote our fixture models computed: requantizing the fixtures' F32 weights reproduces their
 * K-quant bytes exactly (`fixture-requant.test.ts`), and fusing them would not.
 */
import { nearestInt as nearestIntFn } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)
// Local bindings for the hot loops: a module-namespace lookup per call (what test runners' module transforms
// emit for imported functions) costs several times the arithmetic.
const nearestInt = nearestIntFn;

/** ggml's `GROUP_MAX_EPS`: a group whose largest magnitude is below this is all zeros. */
export const GROUP_MAX_EPS = Math.fround(1e-15);

const TENTH = Math.fround(0.1);

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Index and value of the largest |x| (the first one on ties), as ggml's `if (ax > amax)` loops find it. */
function signedAbsMax(x: Float32Array, xo: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  return max;
}

/**
 * `make_qx_quants(n, nmax, x, L, rmse_type = 1, qw = NULL)`: symmetric levels `L - nmax` in
 * `[-nmax, nmax)`, weights `x^2`, trying 18 scales around `-nmax / max` and keeping the one with the
 * best weighted fit. Returns the scale (0 for an all-zero group).
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Uint8Array, lo: number): number {
  const max = signedAbsMax(x, xo, n);
  if (Math.abs(max) < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  let iscale = f32(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i];
    const l = clamp(nearestInt(f32(iscale * xi)), -nmax, nmax - 1);
    L[lo + i] = l + nmax;
    const w = f32(xi * xi);
    sumlx = f32(sumlx + f32(f32(w * xi) * l));
    suml2 = f32(suml2 + f32(f32(w * l) * l));
  }
  let scale = suml2 ? f32(sumlx / suml2) : 0;
  let best = f32(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f32(-f32(nmax + f32(TENTH * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xo + i];
      const l = clamp(nearestInt(f32(iscale * xi)), -nmax, nmax - 1);
      const w = f32(xi * xi);
      sumlx = f32(sumlx + f32(f32(w * xi) * l));
      suml2 = f32(suml2 + f32(f32(w * l) * l));
    }
    if (suml2 > 0 && f32(sumlx * sumlx) > f32(best * suml2)) {
      for (let i = 0; i < n; i++) {
        L[lo + i] = nmax + clamp(nearestInt(f32(iscale * x[xo + i])), -nmax, nmax - 1);
      }
      scale = f32(sumlx / suml2);
      best = f32(scale * sumlx);
    }
  }
  return scale;
}

/**
 * `make_q3_quants(n, nmax, x, L, do_rmse = true)`: symmetric levels as {@link makeQxQuants}, then up to
 * five passes that move single levels while that improves the `x^2`-weighted fit. Returns the scale.
 */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, xo: number, L: Int8Array, lo: number): number {
  const max = signedAbsMax(x, xo, n);
  if (Math.abs(max) < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const iscale = f32(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i];
    const l = clamp(nearestInt(f32(iscale * xi)), -nmax, nmax - 1);
    L[lo + i] = l;
    const w = f32(xi * xi);
    sumlx = f32(sumlx + f32(f32(w * xi) * l));
    suml2 = f32(suml2 + f32(f32(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xo + i];
      const li = L[lo + i];
      const w = f32(xi * xi);
      let slx = f32(sumlx - f32(f32(w * xi) * li));
      if (slx > 0) {
        let sl2 = f32(suml2 - f32(f32(w * li) * li));
        const nl = clamp(nearestInt(f32(f32(xi * sl2) / slx)), -nmax, nmax - 1);
        if (nl !== li) {
          slx = f32(slx + f32(f32(w * xi) * nl));
          sl2 = f32(sl2 + f32(f32(w * nl) * nl));
          if (sl2 > 0 && f32(f32(slx * slx) * suml2) > f32(f32(sumlx * sumlx) * sl2)) {
            L[lo + i] = nl;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (!changed) break;
  }
  for (let i = 0; i < n; i++) L[lo + i] += nmax;
  return suml2 > 0 ? f32(sumlx / suml2) : 0;
}

/** Scratch and result of {@link makeQkx2Quants}: the fitted min is returned through `min`. */
export interface AffineFit {
  /** `-min` of the fit (>= 0): the value that level 0 stands for is `-min`. */
  min: number;
  /** Scratch levels, at least `n` long. */
  readonly aux: Uint8Array;
}

/**
 * `make_qkx2_quants`: affine levels `x ~ scale * L + min` (min <= 0, L in [0, nmax]) for weighted data,
 * trying `nstep + 1` scales `(rmin + rdelta * is + nmax) / (max - min)` and solving the weighted least
 * squares for scale and min at each. Returns the scale; `fit.min` receives `-min`.
 */
export function makeQkx2Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  xo: number,
  weights: Float32Array,
  L: Uint8Array,
  lo: number,
  fit: AffineFit,
  rmin: number,
  rdelta: number,
  nstep: number,
  useMad: boolean,
): number {
  let min = x[xo];
  let max = x[xo];
  let sumW = weights[0];
  let sumX = f32(sumW * x[xo]);
  for (let i = 1; i < n; i++) {
    const xi = x[xo + i];
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    const w = weights[i];
    sumW = f32(sumW + w);
    sumX = f32(sumX + f32(w * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    fit.min = -min;
    return 0;
  }
  let iscale = f32(nmax / f32(max - min));
  let scale = f32(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i];
    const l = clamp(nearestInt(f32(iscale * f32(xi - min))), 0, nmax);
    L[lo + i] = l;
    let diff = f32(f32(f32(scale * l) + min) - xi);
    diff = useMad ? Math.abs(diff) : f32(diff * diff);
    bestError = f32(bestError + f32(weights[i] * diff));
  }
  if (nstep < 1) {
    fit.min = -min;
    return scale;
  }
  const aux = fit.aux;
  for (let is = 0; is <= nstep; is++) {
    // `min` moves to the best fit found so far, so the range is recomputed every step
    iscale = f32(f32(f32(rmin + f32(rdelta * is)) + nmax) / f32(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xo + i];
      const l = clamp(nearestInt(f32(iscale * f32(xi - min))), 0, nmax);
      aux[i] = l;
      const w = weights[i];
      const wl = f32(w * l);
      sumL = f32(sumL + wl);
      sumL2 = f32(sumL2 + f32(wl * l));
      sumXL = f32(sumXL + f32(wl * xi));
    }
    const D = f32(f32(sumW * sumL2) - f32(sumL * sumL));
    if (D > 0) {
      let thisScale = f32(f32(f32(sumW * sumXL) - f32(sumX * sumL)) / D);
      let thisMin = f32(f32(f32(sumL2 * sumX) - f32(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f32(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = f32(f32(f32(thisScale * aux[i]) + thisMin) - x[xo + i]);
        diff = useMad ? Math.abs(diff) : f32(diff * diff);
        curError = f32(curError + f32(weights[i] * diff));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; i++) L[lo + i] = aux[i];
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  fit.min = -min;
  return scale;
}

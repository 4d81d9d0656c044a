/**
 * The IQ4_NL / IQ4_XS quantizer (`quantize_row_iq4_nl_impl` in ggml-quants.c, as `llama-quantize` runs
 * it without an importance matrix: weights x^2, 7 scale trials either side), shared by both types.
 * ggml's own `quantize_row_iq4_nl_ref` takes a cheaper single pass (ntry = -1); we follow `llama-quantize`,
 * whose IQ4_NL and IQ4_XS bytes the fixture tests reproduce exactly.
 */
import { writeHalf } from './half.js';
import { bestIndexInt8 as bestIndexInt8Fn, KVALUES_IQ4NL } from './iq4-levels.js';
import { GROUP_MAX_EPS } from './k-quant-fit.js';
import { nearestInt as nearestIntFn } from './rounding.js';

const f32 = Math.fround; // every float operation rounds to f32, as in ggml's C (see rounding.ts)
// Local bindings for the hot loops: a module-namespace lookup per call (what test runners' module transforms
// emit for imported functions) costs several times the arithmetic.
const nearestInt = nearestIntFn;
const bestIndexInt8 = bestIndexInt8Fn;

const NTRY = 7;

/** Result of {@link fitIq4}: a level index (0..15) per value and, for IQ4_XS, a scale per 32 values. */
export interface Iq4Fit {
  /** Level indices, one per value. */
  readonly L: Uint8Array;
  /** Sub-block scales as stored (0..63, i.e. the signed scale + 32); unused for IQ4_NL. */
  readonly subScales: Uint8Array;
}

/** Scratch for {@link fitIq4} of up to 256 values. */
export function newIq4Fit(): Iq4Fit {
  return { L: new Uint8Array(256), subScales: new Uint8Array(8) };
}

const scales = new Float32Array(8);

/**
 * Fits `size` values `x[xo ..]` (32 for IQ4_NL, 256 for IQ4_XS) in sub-blocks of 32 and stores the super
 * scale as a half at `dst[dAt]`. With one sub-block the half is that sub-block's scale; with several, the
 * sub-block scales are quantized to 6 bits against the largest (half = -max / 32) and the levels re-derived.
 */
export function fitIq4(x: Float32Array, xo: number, size: number, dst: Uint8Array, dAt: number, fit: Iq4Fit): void {
  const values = KVALUES_IQ4NL;
  const L = fit.L;
  const nb = size / 32;
  let maxScale = 0;
  let amaxScale = 0;
  for (let ib = 0; ib < nb; ib++) {
    const xb = xo + 32 * ib;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const ax = Math.abs(x[xb + j]);
      if (ax > amax) {
        amax = ax;
        max = x[xb + j];
      }
    }
    if (amax < GROUP_MAX_EPS) {
      scales[ib] = 0;
      L.fill(0, 32 * ib, 32 * ib + 32);
      continue;
    }
    let d = f32(-max / values[0]);
    let id = f32(1 / d);
    let sumqx = 0;
    let sumq2 = 0;
    for (let j = 0; j < 32; j++) {
      const xj = x[xb + j];
      const l = bestIndexInt8(values, f32(id * xj));
      L[32 * ib + j] = l;
      const q = values[l];
      const wq = f32(f32(xj * xj) * q);
      sumqx = f32(sumqx + f32(wq * xj));
      sumq2 = f32(sumq2 + f32(wq * q));
    }
    d = sumq2 > 0 ? f32(sumqx / sumq2) : 0;
    let best = f32(d * sumqx);
    for (let itry = -NTRY; itry <= NTRY; itry++) {
      id = f32((itry + values[0]) / max);
      sumqx = 0;
      sumq2 = 0;
      for (let j = 0; j < 32; j++) {
        const xj = x[xb + j];
        const q = values[bestIndexInt8(values, f32(id * xj))];
        const wq = f32(f32(xj * xj) * q);
        sumqx = f32(sumqx + f32(wq * xj));
        sumq2 = f32(sumq2 + f32(wq * q));
      }
      if (sumq2 > 0 && f32(sumqx * sumqx) > f32(best * sumq2)) {
        d = f32(sumqx / sumq2);
        best = f32(d * sumqx);
      }
    }
    scales[ib] = d;
    if (Math.abs(d) > amaxScale) {
      amaxScale = Math.abs(d);
      maxScale = d;
    }
  }

  if (nb > 1) {
    const d = f32(-maxScale / 32);
    writeHalf(dst, dAt, d);
    const id = d ? f32(1 / d) : 0;
    for (let ib = 0; ib < nb; ib++) {
      let l = nearestInt(f32(id * scales[ib]));
      l = l < -32 ? -32 : l > 31 ? 31 : l;
      // the levels follow the unrounded f32 super scale, as in ggml
      const dl = f32(d * l);
      const idl = dl ? f32(1 / dl) : 0;
      for (let j = 0; j < 32; j++) L[32 * ib + j] = bestIndexInt8(values, f32(idl * x[xo + 32 * ib + j]));
      fit.subScales[ib] = l + 32;
    }
  } else {
    writeHalf(dst, dAt, scales[0]);
    const id = scales[0] ? f32(1 / scales[0]) : 0;
    for (let j = 0; j < size; j++) L[j] = bestIndexInt8(values, f32(id * x[xo + j]));
  }
}

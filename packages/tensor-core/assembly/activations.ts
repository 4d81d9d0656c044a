// Quantization of f32 activation rows to 8-bit levels, once per matrix product, so that quantized
// weights can be multiplied with integer dot products (as llama.cpp does with Q8_0 / Q8_1 / Q8_K).
// Levels are stored widened to i16 (`i32x4.dot_i16x8_s` multiplies them with widened weights), or as i8
// in the relaxed-SIMD build (simd-dot.ts); the record layout keeps room for i16 either way.
//
// Record of one token (`cols` values), for weights in 32-value blocks (Q4_0 .. Q8_0, IQ4_NL):
//   [qs: i16 x cols] [d: f32 x cols/32] [s: f32 x cols/32]      x ~ d * q;  s = d * sum(q) of the block
//   (relaxed build, fused records: i8 levels fill the first half of qs, and the block's integer level
//   sums, i32 x cols/32, start at byte `cols`: the offset formats subtract them in integers; for the
//   signed formats, each block's 64 bytes of qs hold its levels split by sign: quantizeSplit32)
// Record for weights in 256-value super-blocks (K-quants, IQ4_XS), Q8_K-style:
//   [qs: i16 x cols] [d: f32 x cols/256] [bsums: i16 x cols/16] bsums = sum of each 16 levels
// Records are `stride` bytes apart (16-byte aligned; computed by the TypeScript side).

import { shareEnd, shareStart } from './common';
import { storeInterleavedTransposes, storeTransposedWords } from './transpose';
import { interleaveGroups16 } from './unpacked8';
import { block32rAt, groupOf, paddedBlocks, splitMinusAt, storeBlock32r, storePairs } from './formats/block32';
import { VF, VI, vf, vi } from './vconst';

/**
 * Levels of 4 f32 lanes scaled by `inv`, rounded to nearest even, as i32x4. |x * inv| <= 127 (a little
 * more after rounding), so adding 1.5 * 2^23 rounds it into the low mantissa bits exactly as `nearest`
 * would; V8 expands nearest + trunc_sat into eight instructions, this is three. (A NaN lane gives a
 * garbage level, but its block scale is NaN too, so the product is NaN as before.)
 */
@inline
function levels(x: v128, inv: v128): v128 {
  return i32x4.sub(f32x4.add(f32x4.mul(x, inv), vf(VF.ROUND_BIAS)), vi(VI.ROUND_BIAS_BITS));
}

/**
 * Quantizes `count` values at `x` (a multiple of 16) with scale `d` into levels at `q` (i8 when `narrow`,
 * else i16); returns the level sum.
 */
@inline
function quantizeSpan(x: usize, count: i32, d: f32, q: usize, bsums: usize, narrow: bool): i32 {
  const inv = f32x4.splat(d != 0 ? <f32>1 / d : 0);
  let total: i32 = 0;
  for (let j = 0; j < count; j += 16) {
    const p = x + (<usize>j << 2);
    const a = i16x8.narrow_i32x4_s(levels(v128.load(p), inv), levels(v128.load(p, 16), inv));
    const b = i16x8.narrow_i32x4_s(levels(v128.load(p, 32), inv), levels(v128.load(p, 48), inv));
    if (narrow) {
      v128.store(q + <usize>j, i8x16.narrow_i16x8_s(a, b));
    } else {
      v128.store(q + (<usize>j << 1), a);
      v128.store(q + (<usize>j << 1), b, 16);
    }
    const s4 = i32x4.add(i32x4.extadd_pairwise_i16x8_s(a), i32x4.extadd_pairwise_i16x8_s(b));
    const s2 = i32x4.add(s4, v128.shuffle<i32>(s4, s4, 2, 3, 0, 1));
    const sum16 = i32x4.extract_lane(s2, 0) + i32x4.extract_lane(s2, 1);
    if (bsums != 0) store<i16>(bsums + (<usize>(j >> 4) << 1), <i16>sum16);
    total += sum16;
  }
  return total;
}

/**
 * Largest |x| over `count` values (a multiple of 8) at `x`. Compared as integers: the magnitude bits of
 * non-negative floats order as the floats do, and NaN's lie above infinity's, so a NaN still gives a NaN
 * scale (and NaN results), as with `f32x4.max`, which V8 expands into eight instructions (its NaN rules):
 * this is two per vector, the quantization of a pp512 about 3x faster.
 */
@inline
function absMax(x: usize, count: i32): f32 {
  const magnitude = vi(VI.ABS_MASK);
  let m0 = i32x4.splat(0);
  let m1 = i32x4.splat(0);
  for (let j = 0; j < count; j += 8) {
    const p = x + (<usize>j << 2);
    m0 = i32x4.max_s(m0, v128.and(v128.load(p), magnitude));
    m1 = i32x4.max_s(m1, v128.and(v128.load(p, 16), magnitude));
  }
  let m = i32x4.max_s(m0, m1);
  m = i32x4.max_s(m, v128.shuffle<i32>(m, m, 2, 3, 0, 1));
  m = i32x4.max_s(m, v128.shuffle<i32>(m, m, 1, 0, 3, 2));
  return reinterpret<f32>(i32x4.extract_lane(m, 0));
}

/**
 * Quantizes rows `[0, n)` of f32 activations `x` (`xStride` bytes apart) into 32-value-block records
 * at `out` (`outStride` bytes apart). Threads split the rows. `option`: 0 the i8 levels and block sums of
 * the relaxed build's fused products, 1 i16 levels (the unpacked products, and every record of the
 * SIMD-128 build), 2 levels split by sign for the fused products of signed weight levels (Q8_0) in the
 * VNNI build ({@link quantizeSplit32}), as 0 in the other relaxed build, 3 as 0 with each whole group of
 * four blocks placed to match placed Q4_0 and Q4_1 rows ({@link placeGroup32}; formats/groups4.ts), 4 split
 * by sign in every relaxed build (IQ4_NL, formats/iq4_nl.ts splitSigns).
 */
export function quantize_q8_32(ith: i32, nth: i32, x: usize, xStride: i32, n: i32, cols: i32, out: usize, outStride: i32, option: i32): void {
  const split: bool = (VNNI != 0 && option == 2) || (RELAXED != 0 && option == 4);
  const narrow: bool = RELAXED != 0 && option != 1 && !split;
  const placed: bool = narrow && option == 3;
  const nb = cols >> 5;
  for (let t = shareStart(n, ith, nth), end = shareEnd(n, ith, nth); t < end; t++) {
    const xr = x + <usize>t * xStride;
    const rec = out + <usize>t * outStride;
    const dp = rec + (<usize>cols << 1);
    const sp = dp + (<usize>nb << 2);
    for (let b = 0; b < nb; b++) {
      const xb = xr + (<usize>b << 7);
      const d = absMax(xb, 32) / 127;
      store<f32>(dp + (<usize>b << 2), d);
      if (split) {
        // no level sums: the signed formats have no offsets or mins
        quantizeSplit32(xb, f32x4.splat(d != 0 ? <f32>1 / d : 0), rec + (<usize>b << 6));
        store<f32>(sp + (<usize>b << 2), 0);
        continue;
      }
      const sum = quantizeSpan(xb, 32, d, rec + (narrow ? <usize>(b << 5) : <usize>(b << 6)), 0, narrow);
      store<f32>(sp + (<usize>b << 2), d * <f32>sum);
      if (narrow) store<i32>(rec + (<usize>cols) + (<usize>b << 2), sum);
      if (placed && (b & 3) == 3) placeGroup32(rec + (<usize>(b - 3) << 5));
    }
  }
}

/**
 * The 128 i8 levels of four blocks at `g` rearranged as placed Q4_0 and Q4_1 rows read them: bytes 32k .. 32k + 15
 * holding, as word c, block c's levels 4k .. 4k + 3 (the low nibbles of placed vector k), bytes 32k + 16 ..
 * its levels 16 + 4k .. 16 + 4k + 3 (the high nibbles): word transposes of the blocks' halves.
 */
@inline
function placeGroup32(g: usize): void {
  // block c's halves at 32c and 32c + 16
  storeInterleavedTransposes(
    v128.load(g), v128.load(g, 32), v128.load(g, 64), v128.load(g, 96),
    v128.load(g, 16), v128.load(g, 48), v128.load(g, 80), v128.load(g, 112), g,
  );
}

/**
 * The 32 levels a of the values at `x` (scaled by `inv`, 1 / d in every lane), split by sign into two
 * 7-bit parts: a+ = max(a, 0) in bytes 0-31 of `q`, a- = max(-a, 0) in bytes 32-63, so that a = a+ - a-. With both parts unsigned, they
 * are the unsigned operands of the relaxed 8-bit product and signed weight levels the signed ones
 * (simd-dot.ts dotSplit32): two products per 16 levels in place of the sign transfer per row (|s| and
 * a * sign(s): four vector operations) that each weight row would otherwise pay. The VNNI build gains
 * most (one fused dot-add per product: Q8_0 decode +8-18% per core, IQ4_NL +28-30%). Without it each
 * product is two multiplies and the multiply pipes are what limits: Q8_0 measured 0.96-0.98x per core
 * (keeps the sign transfer there), IQ4_NL, whose table levels take more work to sign, +3-20%.
 */
@inline
function quantizeSplit32(x: usize, inv: v128, q: usize): void {
  const zero = i8x16.splat(0);
  for (let j = 0; j < 32; j += 16) {
    const p = x + (<usize>j << 2);
    const a = i16x8.narrow_i32x4_s(levels(v128.load(p), inv), levels(v128.load(p, 16), inv));
    const b = i16x8.narrow_i32x4_s(levels(v128.load(p, 32), inv), levels(v128.load(p, 48), inv));
    const v = i8x16.narrow_i16x8_s(a, b);
    v128.store(q + <usize>j, i8x16.max_s(v, zero));
    v128.store(q + <usize>j, i8x16.max_s(i8x16.sub(zero, v), zero), 32);
  }
}

/**
 * As {@link quantize_q8_32}, into the interleaved layout of the batched product of 32-value block formats
 * (formats/block32.ts storeInterleaved), SIMD-128 build only:
 *   [qs: i16, groups of four blocks interleaved, padded to whole groups] [d: f32 x padded] [s: f32 x padded]
 * Padding blocks hold zeros.
 */
export function quantize_q8_32i(ith: i32, nth: i32, x: usize, xStride: i32, n: i32, cols: i32, out: usize, outStride: i32, wide: bool): void {
  const nb = cols >> 5;
  const np = paddedBlocks(cols);
  for (let t = shareStart(n, ith, nth), end = shareEnd(n, ith, nth); t < end; t++) {
    const xr = x + <usize>t * xStride;
    const rec = out + <usize>t * outStride;
    const dp = rec + (<usize>np << 6);
    const sp = dp + (<usize>np << 2);
    for (let b = 0; b < np; b++) {
      const g = groupOf(rec, b) + (<usize>(b & 3) << 2);
      if (b >= nb) {
        const zero = i16x8.splat(0);
        storePairs(g, zero);
        storePairs(g + 64, zero);
        storePairs(g + 128, zero);
        storePairs(g + 192, zero);
        store<f32>(dp + (<usize>b << 2), 0);
        store<f32>(sp + (<usize>b << 2), 0);
        continue;
      }
      const xb = xr + (<usize>b << 7);
      const d = absMax(xb, 32) / 127;
      const inv = f32x4.splat(d != 0 ? <f32>1 / d : 0);
      const a0 = i16x8.narrow_i32x4_s(levels(v128.load(xb), inv), levels(v128.load(xb, 16), inv));
      const a1 = i16x8.narrow_i32x4_s(levels(v128.load(xb, 32), inv), levels(v128.load(xb, 48), inv));
      const a2 = i16x8.narrow_i32x4_s(levels(v128.load(xb, 64), inv), levels(v128.load(xb, 80), inv));
      const a3 = i16x8.narrow_i32x4_s(levels(v128.load(xb, 96), inv), levels(v128.load(xb, 112), inv));
      storePairs(g, a0);
      storePairs(g + 64, a1);
      storePairs(g + 128, a2);
      storePairs(g + 192, a3);
      const s4 = i32x4.add(
        i32x4.add(i32x4.extadd_pairwise_i16x8_s(a0), i32x4.extadd_pairwise_i16x8_s(a1)),
        i32x4.add(i32x4.extadd_pairwise_i16x8_s(a2), i32x4.extadd_pairwise_i16x8_s(a3)),
      );
      const s2 = i32x4.add(s4, v128.shuffle<i32>(s4, s4, 2, 3, 0, 1));
      const sum = i32x4.extract_lane(s2, 0) + i32x4.extract_lane(s2, 1);
      store<f32>(dp + (<usize>b << 2), d);
      store<f32>(sp + (<usize>b << 2), d * <f32>sum);
    }
  }
}

/**
 * One 32-value block at `xb` quantized with `inv` (1 / its scale) into the relaxed batched layout at `g`
 * (its first 4-byte piece: values 0..15 in pieces 0..3, 16 bytes apart, values 16..31 in pieces 4..7);
 * returns the block's level sums per i16 lane of the product (unpacked8.ts): lane 0 the sum of bytes 0-1
 * of its pieces (values 4c and 4c+1), lane 1 that of bytes 2-3; the other lanes are not used. `minus`
 * not 0 ({@link SPLIT_SIGNS_32R}): the levels split by sign, a+ = max(a, 0) at `g` and a- = max(-a, 0) at
 * `g + minus`; the sums are still those of the signed levels.
 */
@inline
function quantizeBlock32r(xb: usize, inv: v128, g: usize, minus: usize): v128 {
  const a0 = i16x8.narrow_i32x4_s(levels(v128.load(xb), inv), levels(v128.load(xb, 16), inv));
  const a1 = i16x8.narrow_i32x4_s(levels(v128.load(xb, 32), inv), levels(v128.load(xb, 48), inv));
  const a2 = i16x8.narrow_i32x4_s(levels(v128.load(xb, 64), inv), levels(v128.load(xb, 80), inv));
  const a3 = i16x8.narrow_i32x4_s(levels(v128.load(xb, 96), inv), levels(v128.load(xb, 112), inv));
  const lo = i8x16.narrow_i16x8_s(a0, a1);
  const hi = i8x16.narrow_i16x8_s(a2, a3);
  if (minus == 0) {
    storePairs(g, lo);
    storePairs(g + 64, hi);
  } else {
    const zero = i8x16.splat(0);
    storePairs(g, i8x16.max_s(lo, zero));
    storePairs(g + 64, i8x16.max_s(hi, zero));
    storePairs(g + minus, i8x16.max_s(i8x16.sub(zero, lo), zero));
    storePairs(g + minus + 64, i8x16.max_s(i8x16.sub(zero, hi), zero));
  }
  // lanes of s4: sums of values 8c + (0,1), 8c + (2,3), 8c + (4,5), 8c + (6,7); pieces hold 4 values each
  const s4 = i32x4.add(
    i32x4.add(i32x4.extadd_pairwise_i16x8_s(a0), i32x4.extadd_pairwise_i16x8_s(a1)),
    i32x4.add(i32x4.extadd_pairwise_i16x8_s(a2), i32x4.extadd_pairwise_i16x8_s(a3)),
  );
  return i32x4.add(s4, v128.shuffle<i32>(s4, s4, 2, 3, 0, 1));
}

/**
 * The scales of block `b` of a relaxed batched record of `np` (padded) blocks at `rec` (after its levels:
 * [d: f32 x np] [s = d * sum: f32 x np] [level offsets: i16 x 2 x np]), from its scale `d` and its lane
 * sums (`halves`, {@link quantizeBlock32r}). For weights whose value is d * (q - 2^k) (`offsetShift` k >= 0:
 * Q4_0), the offsets are -2^k times the lane sums: the product starts its i16 lane sums from them, so that
 * they end as sums of (q - 2^k) * a (exact: those fit in i16, and i16 adds wrap); else the lane sums.
 */
@inline
function storeRecordScales32r(rec: usize, np: i32, b: i32, d: f32, halves: v128, offsetShift: i32): void {
  const dp = rec + (<usize>np << 5) + (<usize>b << 2);
  const even = i32x4.extract_lane(halves, 0);
  const odd = i32x4.extract_lane(halves, 1);
  store<f32>(dp, d);
  store<f32>(dp + (<usize>np << 2), d * <f32>(even + odd));
  const op = dp + (<usize>np << 3);
  store<i16>(op, <i16>(offsetShift >= 0 ? -(even << offsetShift) : even));
  store<i16>(op, <i16>(offsetShift >= 0 ? -(odd << offsetShift) : odd), 2);
}

/**
 * As {@link quantize_q8_32}, as i8 levels for the relaxed batched product of 32-value formats
 * (unpacked8.ts): four blocks per 128 bytes in 4-byte pieces (piece c of block k at 16 c + 4 k), padded
 * to whole groups; then [d: f32 x padded] [s: f32 x padded] [level offsets: i16 x 2 x padded, for weights
 * whose value is d * (q - 2^offsetShift), see {@link storeRecordScales32r}; -1: none]. Relaxed build only.
 */
export function quantize_q8_32r(ith: i32, nth: i32, x: usize, xStride: i32, n: i32, cols: i32, out: usize, outStride: i32, offsetShift: i32): void {
  const nb = cols >> 5;
  const np = paddedBlocks(cols);
  // where a split record's a- levels go (0: not split)
  const minus = offsetShift == SPLIT_SIGNS_32R ? splitMinusAt(np) : 0;
  for (let t = shareStart(n, ith, nth), end = shareEnd(n, ith, nth); t < end; t++) {
    const xr = x + <usize>t * xStride;
    const rec = out + <usize>t * outStride;
    for (let b = 0; b < np; b++) {
      if (b >= nb) {
        storeBlock32r(rec, b, i8x16.splat(0), i8x16.splat(0));
        if (minus != 0) storeBlock32r(rec + minus, b, i8x16.splat(0), i8x16.splat(0));
        storeRecordScales32r(rec, np, b, 0, i32x4.splat(0), offsetShift);
        continue;
      }
      const xb = xr + (<usize>b << 7);
      const d = absMax(xb, 32) / 127;
      const inv = f32x4.splat(d != 0 ? <f32>1 / d : 0);
      const halves = quantizeBlock32r(xb, inv, block32rAt(rec, b), minus);
      storeRecordScales32r(rec, np, b, d, halves, offsetShift);
    }
  }
}

/**
 * The last argument of {@link quantize_q8_32r} that asks for levels split by sign, for signed weight levels
 * (Q8_0 and IQ4_NL in the VNNI build, unpacked8.ts dotSplit8Pair4): a+ = max(a, 0) where the levels go, a- = max(-a, 0)
 * in the same layout after the record ({@link splitMinusAt}), both 7-bit, the unsigned operands of the
 * fused dot-add. The level offsets then hold the plain lane sums (nothing reads them).
 */
const SPLIT_SIGNS_32R: i32 = -2;

/**
 * Q8_K activations (one scale per 256 values, the levels {@link quantize_q8_K} computes) in the record
 * layout of {@link quantize_q8_32r}, each 32-value block with its super-block's scale: for the relaxed
 * batched product of Q4_K, which runs as 32-value blocks (formats/q4_k.ts unpackRow8). `cols` is a
 * multiple of 256 (whole groups of four blocks, no padding). Relaxed build only.
 */
export function quantize_q8_K32r(ith: i32, nth: i32, x: usize, xStride: i32, n: i32, cols: i32, out: usize, outStride: i32, offsetShift: i32): void {
  const nbs = cols >> 8;
  const np = cols >> 5;
  for (let t = shareStart(n, ith, nth), end = shareEnd(n, ith, nth); t < end; t++) {
    const xr = x + <usize>t * xStride;
    const rec = out + <usize>t * outStride;
    for (let sb = 0; sb < nbs; sb++) {
      const xs = xr + (<usize>sb << 10);
      const d = absMax(xs, 256) / 127;
      const inv = f32x4.splat(d != 0 ? <f32>1 / d : 0);
      for (let j = 0; j < 8; j++) {
        const b = (sb << 3) + j;
        storeRecordScales32r(rec, np, b, d, quantizeBlock32r(xs + (<usize>j << 7), inv, block32rAt(rec, b), 0), offsetShift);
      }
    }
  }
}

/**
 * As {@link quantize_q8_32} for 256-value super-block records with 16-value sums. `option`: 1 stores i16
 * levels (the unpacked product), 0 the 8-bit levels of the relaxed build, 2 those with each 32 values'
 * 16-value groups interleaved for the relaxed batched product (unpacked8.ts interleaveGroups16), 3 the
 * levels (8-bit, or i16 in the SIMD-128 build) and 32-value sums of the decode product of placed Q4_K
 * ({@link placeLevelsQ4K}), 4 the levels of the decode product of placed Q6_K ({@link placeLevelsQ6K}),
 * 5 in the VNNI build each 32 levels split by sign for IQ4_XS ({@link quantizeSplit32}; as 0 elsewhere).
 */
export function quantize_q8_K(ith: i32, nth: i32, x: usize, xStride: i32, n: i32, cols: i32, out: usize, outStride: i32, option: i32): void {
  const split: bool = VNNI != 0 && option == 5;
  const narrow: bool = RELAXED != 0 && option != 1 && !split;
  const nb = cols >> 8;
  for (let t = shareStart(n, ith, nth), end = shareEnd(n, ith, nth); t < end; t++) {
    const xr = x + <usize>t * xStride;
    const rec = out + <usize>t * outStride;
    const dp = rec + (<usize>cols << 1);
    const bp = dp + (<usize>nb << 2);
    for (let b = 0; b < nb; b++) {
      const xb = xr + (<usize>b << 10);
      const d = absMax(xb, 256) / 127;
      if (split) {
        // IQ4_XS in the VNNI build: each 32 levels split by sign, no 16-value sums (it has no mins)
        const inv = f32x4.splat(d != 0 ? <f32>1 / d : 0);
        for (let j = 0; j < 8; j++) quantizeSplit32(xb + (<usize>j << 7), inv, rec + (<usize>b << 9) + (<usize>j << 6));
        store<f32>(dp + (<usize>b << 2), d);
        continue;
      }
      const q = rec + (narrow ? <usize>(b << 8) : <usize>(b << 9));
      quantizeSpan(xb, 256, d, q, bp + (<usize>b << 5), narrow);
      store<f32>(dp + (<usize>b << 2), d);
      // placed Q4_K / Q5_K: the levels in the weights' placed order, the sums per 32 values
      if (option == 3) {
        if (narrow) placeLevelsQ4K(q);
        else placeWideLevelsQ4K(q);
        placeSumsQ4K(bp + (<usize>b << 5));
      }
      // placed Q6_K: the levels of each half in the weights' placed order (the 16-value sums stay)
      if (option == 4) {
        for (let h = 0; h < 2; h++) {
          if (narrow) placeLevelsQ6K(q + (<usize>h << 7));
          else placeWideLevelsQ6K(q + (<usize>h << 8));
        }
      }
    }
    if (option == 2) interleaveGroups16(rec, <usize>cols);
  }
}

/**
 * One super-block's 256 8-bit levels at `x` rearranged in place to match placed Q4_K weights
 * (formats/q4_k.ts): 32 bytes per k = 0..7, the low-nibble partners first (word c: levels 64c + 4k ..
 * 64c + 4k + 3), then the high-nibble ones (64c + 32 + 4k ..); each is a transpose of 4 x 4 i32 words of
 * the levels' 16 vectors X_m.
 */
@inline
function placeLevelsQ4K(x: usize): void {
  const x0 = v128.load(x);
  const x1 = v128.load(x, 16);
  const x2 = v128.load(x, 32);
  const x3 = v128.load(x, 48);
  const x4 = v128.load(x, 64);
  const x5 = v128.load(x, 80);
  const x6 = v128.load(x, 96);
  const x7 = v128.load(x, 112);
  const x8 = v128.load(x, 128);
  const x9 = v128.load(x, 144);
  const x10 = v128.load(x, 160);
  const x11 = v128.load(x, 176);
  const x12 = v128.load(x, 192);
  const x13 = v128.load(x, 208);
  const x14 = v128.load(x, 224);
  const x15 = v128.load(x, 240);
  storeTransposedWords(x0, x4, x8, x12, x, 32); // k = 0..3, low
  storeTransposedWords(x1, x5, x9, x13, x + 128, 32); // k = 4..7, low
  storeTransposedWords(x2, x6, x10, x14, x + 16, 32); // k = 0..3, high
  storeTransposedWords(x3, x7, x11, x15, x + 144, 32); // k = 4..7, high
}

/**
 * Half a super-block's 128 8-bit levels at `x` (eight 16-value groups X_g, one vector each) rearranged in
 * place to match placed Q6_K weights (formats/q6_k.ts): vector t's word c = word t >> 1 of group
 * 4(t & 1) + c, so vectors 0, 2, 4, 6 are the word transpose of groups 0..3 and 1, 3, 5, 7 that of 4..7.
 */
@inline
function placeLevelsQ6K(x: usize): void {
  storeInterleavedTransposes(
    v128.load(x), v128.load(x, 16), v128.load(x, 32), v128.load(x, 48),
    v128.load(x, 64), v128.load(x, 80), v128.load(x, 96), v128.load(x, 112), x,
  );
}

/**
 * {@link placeLevelsQ6K} for i16 levels (the SIMD-128 build; `x`: 256 bytes, group g in vectors 2g, 2g + 1):
 * a word of four levels is an i64 lane here. Placed vector t (32 bytes) holds word q = t >> 1 of groups
 * 4s + 0, 4s + 1 (its first 16 bytes) and 4s + 2, 4s + 3 (its last), s = t & 1; word q of group g is lane
 * q & 1 of ggml vector 2g + (q >> 1).
 */
@inline
function placeWideLevelsQ6K(x: usize): void {
  const w0 = v128.load(x, 0);
  const w1 = v128.load(x, 16);
  const w2 = v128.load(x, 32);
  const w3 = v128.load(x, 48);
  const w4 = v128.load(x, 64);
  const w5 = v128.load(x, 80);
  const w6 = v128.load(x, 96);
  const w7 = v128.load(x, 112);
  const w8 = v128.load(x, 128);
  const w9 = v128.load(x, 144);
  const w10 = v128.load(x, 160);
  const w11 = v128.load(x, 176);
  const w12 = v128.load(x, 192);
  const w13 = v128.load(x, 208);
  const w14 = v128.load(x, 224);
  const w15 = v128.load(x, 240);
  // t = 0 (q 0, s 0), 1 (q 0, s 1), 2 (q 1, s 0), 3 (q 1, s 1): lane 0 or 1 of vectors 2g
  v128.store(x, v128.shuffle<i64>(w0, w2, 0, 2), 0);
  v128.store(x, v128.shuffle<i64>(w4, w6, 0, 2), 16);
  v128.store(x, v128.shuffle<i64>(w8, w10, 0, 2), 32);
  v128.store(x, v128.shuffle<i64>(w12, w14, 0, 2), 48);
  v128.store(x, v128.shuffle<i64>(w0, w2, 1, 3), 64);
  v128.store(x, v128.shuffle<i64>(w4, w6, 1, 3), 80);
  v128.store(x, v128.shuffle<i64>(w8, w10, 1, 3), 96);
  v128.store(x, v128.shuffle<i64>(w12, w14, 1, 3), 112);
  // t = 4..7 (q 2, 3): vectors 2g + 1
  v128.store(x, v128.shuffle<i64>(w1, w3, 0, 2), 128);
  v128.store(x, v128.shuffle<i64>(w5, w7, 0, 2), 144);
  v128.store(x, v128.shuffle<i64>(w9, w11, 0, 2), 160);
  v128.store(x, v128.shuffle<i64>(w13, w15, 0, 2), 176);
  v128.store(x, v128.shuffle<i64>(w1, w3, 1, 3), 192);
  v128.store(x, v128.shuffle<i64>(w5, w7, 1, 3), 208);
  v128.store(x, v128.shuffle<i64>(w9, w11, 1, 3), 224);
  v128.store(x, v128.shuffle<i64>(w13, w15, 1, 3), 240);
}

/**
 * A super-block's 16-value level sums at `bsums` replaced by its eight 32-value sums (i16 lanes 0..7, in
 * sub-block order), which the placed products multiply with the mins.
 */
@inline
function placeSumsQ4K(bsums: usize): void {
  const s0 = v128.load(bsums);
  const s1 = v128.load(bsums, 16);
  // pairwise sums of the 16 sums (|sum of 32 levels| <= 32 * 128: fits i16)
  const ones = i16x8.splat(1);
  v128.store(bsums, i16x8.narrow_i32x4_s(i32x4.dot_i16x8_s(s0, ones), i32x4.dot_i16x8_s(s1, ones)));
}

/**
 * {@link placeLevelsQ4K} for i16 levels (the SIMD-128 build; `x`: 512 bytes): the same order, a word of
 * four levels being an i64 lane here. Placed word 8k + 4h + c = ggml word 16c + 8h + k; all 32 vectors are
 * loaded before any is stored (V8 keeps what does not fit its registers on the stack).
 */
@inline
function placeWideLevelsQ4K(x: usize): void {
  const x0 = v128.load(x, 0);
  const x1 = v128.load(x, 16);
  const x2 = v128.load(x, 32);
  const x3 = v128.load(x, 48);
  const x4 = v128.load(x, 64);
  const x5 = v128.load(x, 80);
  const x6 = v128.load(x, 96);
  const x7 = v128.load(x, 112);
  const x8 = v128.load(x, 128);
  const x9 = v128.load(x, 144);
  const x10 = v128.load(x, 160);
  const x11 = v128.load(x, 176);
  const x12 = v128.load(x, 192);
  const x13 = v128.load(x, 208);
  const x14 = v128.load(x, 224);
  const x15 = v128.load(x, 240);
  const x16 = v128.load(x, 256);
  const x17 = v128.load(x, 272);
  const x18 = v128.load(x, 288);
  const x19 = v128.load(x, 304);
  const x20 = v128.load(x, 320);
  const x21 = v128.load(x, 336);
  const x22 = v128.load(x, 352);
  const x23 = v128.load(x, 368);
  const x24 = v128.load(x, 384);
  const x25 = v128.load(x, 400);
  const x26 = v128.load(x, 416);
  const x27 = v128.load(x, 432);
  const x28 = v128.load(x, 448);
  const x29 = v128.load(x, 464);
  const x30 = v128.load(x, 480);
  const x31 = v128.load(x, 496);
  v128.store(x, v128.shuffle<i64>(x0, x8, 0, 2), 0);
  v128.store(x, v128.shuffle<i64>(x16, x24, 0, 2), 16);
  v128.store(x, v128.shuffle<i64>(x4, x12, 0, 2), 32);
  v128.store(x, v128.shuffle<i64>(x20, x28, 0, 2), 48);
  v128.store(x, v128.shuffle<i64>(x0, x8, 1, 3), 64);
  v128.store(x, v128.shuffle<i64>(x16, x24, 1, 3), 80);
  v128.store(x, v128.shuffle<i64>(x4, x12, 1, 3), 96);
  v128.store(x, v128.shuffle<i64>(x20, x28, 1, 3), 112);
  v128.store(x, v128.shuffle<i64>(x1, x9, 0, 2), 128);
  v128.store(x, v128.shuffle<i64>(x17, x25, 0, 2), 144);
  v128.store(x, v128.shuffle<i64>(x5, x13, 0, 2), 160);
  v128.store(x, v128.shuffle<i64>(x21, x29, 0, 2), 176);
  v128.store(x, v128.shuffle<i64>(x1, x9, 1, 3), 192);
  v128.store(x, v128.shuffle<i64>(x17, x25, 1, 3), 208);
  v128.store(x, v128.shuffle<i64>(x5, x13, 1, 3), 224);
  v128.store(x, v128.shuffle<i64>(x21, x29, 1, 3), 240);
  v128.store(x, v128.shuffle<i64>(x2, x10, 0, 2), 256);
  v128.store(x, v128.shuffle<i64>(x18, x26, 0, 2), 272);
  v128.store(x, v128.shuffle<i64>(x6, x14, 0, 2), 288);
  v128.store(x, v128.shuffle<i64>(x22, x30, 0, 2), 304);
  v128.store(x, v128.shuffle<i64>(x2, x10, 1, 3), 320);
  v128.store(x, v128.shuffle<i64>(x18, x26, 1, 3), 336);
  v128.store(x, v128.shuffle<i64>(x6, x14, 1, 3), 352);
  v128.store(x, v128.shuffle<i64>(x22, x30, 1, 3), 368);
  v128.store(x, v128.shuffle<i64>(x3, x11, 0, 2), 384);
  v128.store(x, v128.shuffle<i64>(x19, x27, 0, 2), 400);
  v128.store(x, v128.shuffle<i64>(x7, x15, 0, 2), 416);
  v128.store(x, v128.shuffle<i64>(x23, x31, 0, 2), 432);
  v128.store(x, v128.shuffle<i64>(x3, x11, 1, 3), 448);
  v128.store(x, v128.shuffle<i64>(x19, x27, 1, 3), 464);
  v128.store(x, v128.shuffle<i64>(x7, x15, 1, 3), 480);
  v128.store(x, v128.shuffle<i64>(x23, x31, 1, 3), 496);
}

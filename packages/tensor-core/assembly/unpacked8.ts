// Batched products of the relaxed-SIMD build: rows unpacked once into unsigned 8-bit (7-bit) levels,
// multiplied with 4 tokens' i8 activation levels per pass by `i16x8.relaxed_dot_i8x16_i7x16_s`
// (pmaddubsw), whose i16 pair sums are widened by `i32x4.dot_i16x8_s` against the group scale. About
// 1.5 to 1.8 times fewer instructions than the i16 kernels of unpacked.ts. Only formats whose levels are
// unsigned (Q4_0, Q4_1, Q5_0, Q5_1, Q2_K .. Q6_K) come here, and Q8_0 and IQ4_NL in the VNNI build (activations
// split by sign: dotSplit8Pair4); those elsewhere and IQ4_XS keep the i16 kernels. Q4_K
// and Q5_K come in the 32-value layout (their sub-blocks as Q4_1- and Q5_1-like blocks, formats/q4_k.ts
// unpackRow8) to use the two-row kernel (dot32x8Pair4), 17% (Q4_K) faster than the super-block kernel.
//
// Unpacked row, K formats, nbs = cols / 256:
//   [levels: u8 x cols, each 32 with its 16-value groups interleaved by 8: interleaveGroups16]
//   [scales: i16 x cols/16] [d: f32 x nbs] [dmin: f32 x nbs] [m: i16 x cols/16]
//   value = d * scale[group] * level - dmin * m[group]           (the activations: Q8_K records, i8 levels)
// Unpacked row, 32-value formats, blocks padded to whole groups of four (np):
//   [levels: u8, four blocks per 128 bytes in 4-byte pieces: piece c of block k at 16 c + 4 k]
//   [d: f32 x np] [m: f32 x np]                                    value = d * level + m
//   (the activations come in the same layout: activations.ts quantize_q8_32r, or quantize_q8_K32r for
//   Q4_K: Q8_K levels, each block with its super-block's scale; then [s: f32 x np] and the blocks' level
//   offsets [i16 x 2 x np]: the lane sums of Q4_0 and the 5-bit formats start from them, see startLanes)

import { hsum, mulAdd } from './common';
import { paddedBlocks, splitMinusAt } from './formats/block32';
import { dotAdd, pairSums, pairSumsOf } from './simd-dot';

/** Bytes of one relaxed unpacked row (16-byte aligned); `k`: a K format, else a 32-value format. */
@inline
export function unpacked8RowBytes(k: bool, cols: i32): usize {
  const bytes: usize = k
    ? <usize>cols + (<usize>cols >> 3) + (<usize>(cols >> 8) << 3) + (<usize>cols >> 3)
    : <usize>paddedBlocks(cols) * 40;
  return (bytes + 15) & ~15;
}

/** Where the parts of a relaxed unpacked K row are. */
@inline
export function scales8At(u: usize, cols: i32): usize {
  return u + <usize>cols;
}
@inline
export function d8At(u: usize, cols: i32): usize {
  return u + <usize>cols + (<usize>cols >> 3);
}
@inline
export function dmin8At(u: usize, cols: i32): usize {
  return d8At(u, cols) + (<usize>(cols >> 8) << 2);
}
@inline
export function mins8At(u: usize, cols: i32): usize {
  return d8At(u, cols) + (<usize>(cols >> 8) << 3);
}

/**
 * Puts the levels of each 32-value chunk at `p` (`count` bytes, a multiple of 32) in the order the K-format
 * product reads them: values 0-7 and 16-23 in the first 16 bytes, 8-15 and 24-31 in the next, so that one
 * i16 add of the two vectors' pair sums keeps the chunk's two 16-value groups apart (lanes 0-3 the first,
 * 4-7 the second) for one widening multiply against both groups' scales ({@link twoGroups}). Rows and the
 * activation records (activations.ts quantize_q8_K with `option` 2) are both reordered this way.
 */
export function interleaveGroups16(p: usize, count: usize): void {
  for (let q = p, end = p + count; q < end; q += 32) {
    const x = v128.load(q);
    const y = v128.load(q, 16);
    v128.store(q, v128.shuffle<i64>(x, y, 0, 2));
    v128.store(q, v128.shuffle<i64>(x, y, 1, 3), 16);
  }
}

/**
 * Two 16-value groups (interleaved, {@link interleaveGroups16}) with their own scales, `scales` holding the
 * first group's in i16 lanes 0-3 and the second's in 4-7: the pair sums of both vectors add up in i16 (at
 * most 2 * 2 * 63 * 127 = 32004 for 6-bit levels) before one widening multiply.
 */
@inline
function twoGroups(w0: v128, w1: v128, a: usize, scales: v128): v128 {
  return i32x4.dot_i16x8_s(i16x8.add(pairSums(w0, a), pairSums(w1, a + 16)), scales);
}

/**
 * One relaxed unpacked K row times `count` (1 or 4) Q8_K records at `a`, `a + stride`, ...: results to
 * `out`, `out + outStride`, ...
 */
@inline
function dotK8Body(u: usize, a: usize, stride: usize, count: i32, cols: i32, hasMin: bool, out: usize, outStride: usize): void {
  const nbs = cols >> 8;
  const us = scales8At(u, cols);
  const ud = d8At(u, cols);
  const udmin = dmin8At(u, cols);
  const um = mins8At(u, cols);
  const adOff = <usize>cols << 1;
  const absOff = adOff + (<usize>nbs << 2);
  const a0 = a;
  const a1 = a + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  for (let b = 0; b < nbs; b++) {
    const off = <usize>b << 8;
    let s0 = i32x4.splat(0);
    let s1 = i32x4.splat(0);
    let s2 = i32x4.splat(0);
    let s3 = i32x4.splat(0);
    let p0 = a0 + off;
    let p1 = a1 + off;
    let p2 = a2 + off;
    let p3 = a3 + off;
    let sc = us + (<usize>b << 5);
    for (let pw = u + off, end = u + off + 256; pw < end; pw += 32) {
      const w0 = v128.load(pw);
      const w1 = v128.load(pw, 16);
      // the two groups' i16 scales, each in four lanes
      const scales = v128.shuffle<i8>(v128.load32_zero(sc), i8x16.splat(0), 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3);
      s0 = i32x4.add(s0, twoGroups(w0, w1, p0, scales));
      if (count == 4) {
        s1 = i32x4.add(s1, twoGroups(w0, w1, p1, scales));
        s2 = i32x4.add(s2, twoGroups(w0, w1, p2, scales));
        s3 = i32x4.add(s3, twoGroups(w0, w1, p3, scales));
      }
      sc += 4;
      p0 += 32;
      p1 += 32;
      p2 += 32;
      p3 += 32;
    }
    const dw = load<f32>(ud + (<usize>b << 2));
    const dOff = adOff + (<usize>b << 2);
    const bOff = absOff + (<usize>b << 5);
    const m = um + (<usize>b << 5);
    const mlo = v128.load(m);
    const mhi = v128.load(m, 16);
    const dmin = hasMin ? load<f32>(udmin + (<usize>b << 2)) : 0;
    acc0 = kResult(acc0, s0, dw, dmin, a0 + dOff, a0 + bOff, mlo, mhi, hasMin);
    if (count == 4) {
      acc1 = kResult(acc1, s1, dw, dmin, a1 + dOff, a1 + bOff, mlo, mhi, hasMin);
      acc2 = kResult(acc2, s2, dw, dmin, a2 + dOff, a2 + bOff, mlo, mhi, hasMin);
      acc3 = kResult(acc3, s3, dw, dmin, a3 + dOff, a3 + bOff, mlo, mhi, hasMin);
    }
  }
  store<f32>(out, hsum(acc0));
  if (count == 4) {
    store<f32>(out + outStride, hsum(acc1));
    store<f32>(out + 2 * outStride, hsum(acc2));
    store<f32>(out + 3 * outStride, hsum(acc3));
  }
}

/**
 * {@link dotK8Body} with runtime `count` and `hasMin`: for the formats with a scale per 16 values
 * (Q2_K, Q3_K, Q6_K), where copies specialised per format measured 2-3% slower (V8 allocates their
 * registers differently). (Q4_K and Q5_K run as 32-value blocks instead: formats/q4_k.ts batchBlocks32.)
 */
export function dotK8(u: usize, a: usize, stride: usize, count: i32, cols: i32, hasMin: bool, out: usize, outStride: usize): void {
  dotK8Body(u, a, stride, count, cols, hasMin, out, outStride);
}

/** acc + isum * (d * da) [- (mins . bsums) * (dmin * da)] of one super-block for one token. */
@inline
function kResult(acc: v128, isum: v128, dw: f32, dmin: f32, daAt: usize, bsums: usize, mlo: v128, mhi: v128, hasMin: bool): v128 {
  const da = load<f32>(daAt);
  acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.splat(dw * da), acc);
  if (!hasMin) return acc;
  const msum = i32x4.add(i32x4.dot_i16x8_s(mlo, v128.load(bsums)), i32x4.dot_i16x8_s(mhi, v128.load(bsums, 16)));
  return f32x4.sub(acc, f32x4.mul(f32x4.convert_i32x4_s(msum), f32x4.splat(dmin * da)));
}

/** acc16 + the i16 pair sums of 32 levels (`w0`, `w1`) times the 32 i8 activations at `a`. */
@inline
function pairs32(w0: v128, w1: v128, a: usize, acc16: v128): v128 {
  return i16x8.add(acc16, i16x8.add(pairSums(w0, a), pairSums(w1, a + 16)));
}

/** i16 pair sums to i32, adjacent lanes added (in the interleaved layout: one block's sum per lane). */
@inline
function widen(p: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_s(p);
}

/**
 * The lanes a group's products add up in, from i16 starting sums `start` ({@link startLanes}): i16 lanes
 * (two per block) in the relaxed build, i32 lanes (one per block) in the VNNI build, whose fused dot-add
 * sums each block's 4 products of a 16-byte step into its i32 lane in one instruction.
 */
@inline
function groupLanes(start: v128): v128 {
  return VNNI ? widen(start) : start;
}

/** `lanes` ({@link groupLanes}) plus the products of 16 levels `w` with 16 i8 activations `x`. */
@inline
function addProducts(lanes: v128, w: v128, x: v128): v128 {
  return VNNI ? dotAdd(w, x, lanes) : i16x8.add(lanes, pairSumsOf(w, x));
}

/** The four blocks' integer sums (i32) from a group's lanes ({@link groupLanes}). */
@inline
function blockSums(lanes: v128): v128 {
  return VNNI ? lanes : widen(lanes);
}

/**
 * k where the relaxed batched sums are taken as sums of (q - 2^k) * a ({@link startLanes}), else -1: the
 * formats whose value is d * (q - 2^k) (`levelOffsetShift`: Q4_0 3, Q5_0 4), and 5-bit formats with a min
 * (`batchOffsetShift`: Q5_1, Q5_K 4), whose sums of q * a would not fit in i16 and whose unpacked rows
 * carry m + 2^k d as their min, so that d (q - 2^k) + (m + 2^k d) is still the value.
 */
@inline
export function offsetShiftOf<F>(f: F): i32 {
  if (isDefined(f.batchOffsetShift)) return f.batchOffsetShift;
  if (isDefined(f.levelOffsetShift)) return f.levelOffsetShift;
  return -1;
}

/** Whether the relaxed batched product adds a min term: formats with mins, unless their min is the offset. */
@inline
function withMinOf<F>(f: F): bool {
  return f.hasMin && !isDefined(f.levelOffsetShift);
}

/**
 * The i16 lane sums a token's products with one group of four blocks start from: where the sums are taken
 * as sums of (q - 2^k) * a (`offsetShift` k >= 0, {@link offsetShiftOf}: Q4_0, Q5_0, Q5_1, Q5_K) the group's
 * level offsets in the record (-2^k times the activation level sums of each lane, activations.ts
 * storeRecordScales32r), so that the lanes end as those sums, exactly: at most 16 * 2^k * 127 in magnitude
 * (32512 for the 5-bit formats), and i16 adds wrap, so the larger sums on the way (62992 for unsigned 5-bit
 * levels) do not matter, nor does the order. For Q4_0 and Q5_0 that is the integer sum llama.cpp and the
 * fused product compute, with no subtraction and no min term left for the float steps. Otherwise zeros.
 */
@inline
function startLanes(rec: usize, at: usize, offsetShift: i32): v128 {
  return offsetShift >= 0 ? v128.load(rec + at) : i16x8.splat(0);
}

/**
 * One token's share of a group of four blocks: acc + (its integer block sums `s`) * d_w * d_a, plus
 * m_w * s_a for formats with mins (`withMin`; not the offset formats, whose sums hold their offset).
 */
@inline
function block32Result(acc: v128, s: v128, dw: v128, m: v128, rec: usize, dOff: usize, sOff: usize, bo: usize, withMin: bool): v128 {
  acc = mulAdd(f32x4.convert_i32x4_s(s), f32x4.mul(dw, v128.load(rec + dOff + bo)), acc);
  if (withMin) acc = mulAdd(m, v128.load(rec + sOff + bo), acc);
  return acc;
}

/**
 * One relaxed unpacked 32-value-format row times `count` (1 or 4, a constant where it is inlined)
 * interleaved i8 records (activations.ts quantize_q8_32r) at `a`, `a + stride`, ...: each lane of a
 * group's sum is one block's integer sum. For 4-bit levels (Q4_0, Q4_1): a pair sum is at most
 * 2 * 15 * 128 = 3840, so a whole group's 8 pair sums per lane add up in i16 (30720, exact) before one
 * widening; the offset formats (Q4_0, Q5_0) start from their level offsets ({@link startLanes}) and end
 * in range whatever their level bits. The group is a loop of 32-level steps, not unrolled: V8 would
 * hoist all of its loads ahead of the arithmetic and spill.
 */
@inline
function dot32x8Body(u: usize, a: usize, stride: usize, count: i32, cols: i32, withMin: bool, offsetShift: i32, out: usize, outStride: usize): void {
  const np = paddedBlocks(cols);
  const ud = u + (<usize>np << 5);
  const um = ud + (<usize>np << 2);
  const dOff = <usize>np << 5;
  const sOff = dOff + (<usize>np << 2);
  const iOff = sOff + (<usize>np << 2);
  const a0 = a;
  const a1 = a + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  for (let b = 0; b < np; b += 4) {
    const g = <usize>b << 5;
    const bo = <usize>b << 2;
    let pw = u + g;
    let p0 = a0 + g;
    let p1 = a1 + g;
    let p2 = a2 + g;
    let p3 = a3 + g;
    const end = pw + 128;
    let q0 = startLanes(a0, iOff + bo, offsetShift);
    let q1 = count == 4 ? startLanes(a1, iOff + bo, offsetShift) : q0;
    let q2 = count == 4 ? startLanes(a2, iOff + bo, offsetShift) : q0;
    let q3 = count == 4 ? startLanes(a3, iOff + bo, offsetShift) : q0;
    while (true) {
      const w0 = v128.load(pw);
      const w1 = v128.load(pw, 16);
      q0 = pairs32(w0, w1, p0, q0);
      if (count == 4) {
        q1 = pairs32(w0, w1, p1, q1);
        q2 = pairs32(w0, w1, p2, q2);
        q3 = pairs32(w0, w1, p3, q3);
      }
      pw += 32;
      p0 += 32;
      p1 += 32;
      p2 += 32;
      p3 += 32;
      if (pw == end) break;
    }
    const s0 = widen(q0);
    const s1 = count == 4 ? widen(q1) : s0;
    const s2 = count == 4 ? widen(q2) : s0;
    const s3 = count == 4 ? widen(q3) : s0;
    const dw = v128.load(ud + bo);
    const m = withMin ? v128.load(um + bo) : dw;
    acc0 = block32Result(acc0, s0, dw, m, a0, dOff, sOff, bo, withMin);
    if (count == 4) {
      acc1 = block32Result(acc1, s1, dw, m, a1, dOff, sOff, bo, withMin);
      acc2 = block32Result(acc2, s2, dw, m, a2, dOff, sOff, bo, withMin);
      acc3 = block32Result(acc3, s3, dw, m, a3, dOff, sOff, bo, withMin);
    }
  }
  store<f32>(out, hsum(acc0));
  if (count == 4) {
    store<f32>(out + outStride, hsum(acc1));
    store<f32>(out + 2 * outStride, hsum(acc2));
    store<f32>(out + 3 * outStride, hsum(acc3));
  }
}

/**
 * Two relaxed unpacked rows (`u`, `v`: Q4_0, Q4_1, Q5_0, Q4_K as 32-value blocks) times four interleaved
 * i8 records at `a`, `a + stride`, ...: the 2 x 4 register tile. Each 16-level step loads 2 weight and 4
 * activation vectors for 8 products, where one row per pass loads 10 vectors for 8: that loop was bound by
 * loads, this one by the vector ALUs (8 multiplies and 8 adds). V8 issues a block's loads first, and x64
 * has 16 vector registers: 8 i16 accumulators, 6 loads and a temporary fit; a 32-level step or a third
 * row would spill. The VNNI build adds each step's products with 8 fused dot-adds into i32 lanes
 * ({@link addProducts}) instead of 8 multiplies and 8 adds into i16 lanes: the same integer sums. Each
 * (row, token) result is computed exactly as {@link dot32x8Body} computes it (integer sums, then the same
 * float steps in the same order).
 * Results: row `u` to `out`, `out + outStride`, ...; row `v` 4 bytes after each.
 */
export function dot32x8Pair4<F>(f: F, u: usize, v: usize, a: usize, stride: usize, cols: i32, out: usize, outStride: usize): void {
  const np = paddedBlocks(cols);
  const dOff = <usize>np << 5; // the d and m (weights) or d and sum (activations) arrays after the levels
  const sOff = dOff + (<usize>np << 2);
  const iOff = sOff + (<usize>np << 2);
  const offsetShift = offsetShiftOf<F>(f);
  const withMin = withMinOf<F>(f);
  const a0 = a;
  const a1 = a + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  let acc0 = f32x4.splat(0);
  let acc1 = acc0;
  let acc2 = acc0;
  let acc3 = acc0;
  let acc4 = acc0;
  let acc5 = acc0;
  let acc6 = acc0;
  let acc7 = acc0;
  for (let b = 0; b < np; b += 4) {
    const g = <usize>b << 5;
    const bo = <usize>b << 2;
    let pu = u + g;
    let pv = v + g;
    let p0 = a0 + g;
    let p1 = a1 + g;
    let p2 = a2 + g;
    let p3 = a3 + g;
    const end = pu + 128;
    // offset formats start each token's lane sums from its level offsets (see startLanes)
    let q0 = groupLanes(startLanes(a0, iOff + bo, offsetShift)); // row u, tokens 0..3
    let q1 = groupLanes(startLanes(a1, iOff + bo, offsetShift));
    let q2 = groupLanes(startLanes(a2, iOff + bo, offsetShift));
    let q3 = groupLanes(startLanes(a3, iOff + bo, offsetShift));
    let q4 = q0; // row v, tokens 0..3
    let q5 = q1;
    let q6 = q2;
    let q7 = q3;
    while (true) {
      const wu = v128.load(pu);
      const wv = v128.load(pv);
      const x0 = v128.load(p0);
      const x1 = v128.load(p1);
      const x2 = v128.load(p2);
      const x3 = v128.load(p3);
      q0 = addProducts(q0, wu, x0);
      q4 = addProducts(q4, wv, x0);
      q1 = addProducts(q1, wu, x1);
      q5 = addProducts(q5, wv, x1);
      q2 = addProducts(q2, wu, x2);
      q6 = addProducts(q6, wv, x2);
      q3 = addProducts(q3, wu, x3);
      q7 = addProducts(q7, wv, x3);
      pu += 16;
      pv += 16;
      p0 += 16;
      p1 += 16;
      p2 += 16;
      p3 += 16;
      if (pu == end) break;
    }
    const du = v128.load(u + dOff + bo);
    const dv = v128.load(v + dOff + bo);
    const mu = withMin ? v128.load(u + sOff + bo) : du;
    const mv = withMin ? v128.load(v + sOff + bo) : dv;
    acc0 = block32Result(acc0, blockSums(q0), du, mu, a0, dOff, sOff, bo, withMin);
    acc4 = block32Result(acc4, blockSums(q4), dv, mv, a0, dOff, sOff, bo, withMin);
    acc1 = block32Result(acc1, blockSums(q1), du, mu, a1, dOff, sOff, bo, withMin);
    acc5 = block32Result(acc5, blockSums(q5), dv, mv, a1, dOff, sOff, bo, withMin);
    acc2 = block32Result(acc2, blockSums(q2), du, mu, a2, dOff, sOff, bo, withMin);
    acc6 = block32Result(acc6, blockSums(q6), dv, mv, a2, dOff, sOff, bo, withMin);
    acc3 = block32Result(acc3, blockSums(q3), du, mu, a3, dOff, sOff, bo, withMin);
    acc7 = block32Result(acc7, blockSums(q7), dv, mv, a3, dOff, sOff, bo, withMin);
  }
  store<f32>(out, hsum(acc0));
  store<f32>(out, hsum(acc4), 4);
  store<f32>(out + outStride, hsum(acc1));
  store<f32>(out + outStride, hsum(acc5), 4);
  store<f32>(out + 2 * outStride, hsum(acc2));
  store<f32>(out + 2 * outStride, hsum(acc6), 4);
  store<f32>(out + 3 * outStride, hsum(acc3));
  store<f32>(out + 3 * outStride, hsum(acc7), 4);
}

/** {@link dot32x8Body} for four tokens, specialised per format (`F`: formats/ classes). */
export function dot32x8x4<F>(f: F, u: usize, a: usize, stride: usize, cols: i32, out: usize, outStride: usize): void {
  dot32x8Body(u, a, stride, 4, cols, withMinOf<F>(f), offsetShiftOf<F>(f), out, outStride);
}

/** {@link dot32x8Body} for one token. */
export function dot32x8x1<F>(f: F, u: usize, a: usize, cols: i32, out: usize): void {
  dot32x8Body(u, a, 0, 1, cols, withMinOf<F>(f), offsetShiftOf<F>(f), out, 0);
}

/**
 * Two relaxed unpacked rows of signed levels (`u`, `v`: Q8_0, IQ4_NL) times two split records (`a0`, `a1`:
 * activations.ts quantize_q8_32r with SPLIT_SIGNS_32R, a+ at each record's levels and a- at `minus` after
 * it), VNNI build only: each product is a+ . w - a- . w, both sums taken by the fused dot-add with the
 * 7-bit parts as its unsigned operands, into i32 lanes (one block each), subtracted once per group of four
 * blocks (exact in i32). 2 x 2 tile: 8 i32 sums and 6 loads per 16-level step; a 2 x 4 tile would need 16
 * sums. Each (row, token) result is computed the same way in every tile ({@link dotSplit8}).
 * Results: row `u` to `out`, `out + outStride`; row `v` 4 bytes after each.
 */
@inline
function splitTile2x2(u: usize, v: usize, a0: usize, a1: usize, cols: i32, out: usize, outStride: usize): void {
  const np = paddedBlocks(cols);
  const dOff = <usize>np << 5;
  const sOff = dOff + (<usize>np << 2);
  const minus = splitMinusAt(np);
  let acc0 = f32x4.splat(0); // row u, tokens 0, 1
  let acc1 = acc0;
  let acc2 = acc0; // row v, tokens 0, 1
  let acc3 = acc0;
  for (let b = 0; b < np; b += 4) {
    const g = <usize>b << 5;
    const bo = <usize>b << 2;
    let pu = u + g;
    let pv = v + g;
    let p0 = a0 + g;
    let p1 = a1 + g;
    const end = pu + 128;
    let up0 = i32x4.splat(0); // row u, token 0: a+ . w
    let un0 = up0; //                        a- . w
    let up1 = up0;
    let un1 = up0;
    let vp0 = up0;
    let vn0 = up0;
    let vp1 = up0;
    let vn1 = up0;
    while (true) {
      const wu = v128.load(pu);
      const wv = v128.load(pv);
      const x0p = v128.load(p0);
      const x0n = v128.load(p0 + minus);
      up0 = dotAdd(x0p, wu, up0);
      un0 = dotAdd(x0n, wu, un0);
      vp0 = dotAdd(x0p, wv, vp0);
      vn0 = dotAdd(x0n, wv, vn0);
      const x1p = v128.load(p1);
      const x1n = v128.load(p1 + minus);
      up1 = dotAdd(x1p, wu, up1);
      un1 = dotAdd(x1n, wu, un1);
      vp1 = dotAdd(x1p, wv, vp1);
      vn1 = dotAdd(x1n, wv, vn1);
      pu += 16;
      pv += 16;
      p0 += 16;
      p1 += 16;
      if (pu == end) break;
    }
    const du = v128.load(u + dOff + bo);
    const dv = v128.load(v + dOff + bo);
    acc0 = block32Result(acc0, i32x4.sub(up0, un0), du, du, a0, dOff, sOff, bo, false);
    acc1 = block32Result(acc1, i32x4.sub(up1, un1), du, du, a1, dOff, sOff, bo, false);
    acc2 = block32Result(acc2, i32x4.sub(vp0, vn0), dv, dv, a0, dOff, sOff, bo, false);
    acc3 = block32Result(acc3, i32x4.sub(vp1, vn1), dv, dv, a1, dOff, sOff, bo, false);
  }
  store<f32>(out, hsum(acc0));
  store<f32>(out + outStride, hsum(acc1));
  store<f32>(out, hsum(acc2), 4);
  store<f32>(out + outStride, hsum(acc3), 4);
}

/** Two signed-level rows (`u`, `v`) times four split records, as two 2 x 2 tiles ({@link splitTile2x2}). */
export function dotSplit8Pair4(u: usize, v: usize, a: usize, stride: usize, cols: i32, out: usize, outStride: usize): void {
  splitTile2x2(u, v, a, a + stride, cols, out, outStride);
  splitTile2x2(u, v, a + 2 * stride, a + 3 * stride, cols, out + 2 * outStride, outStride);
}

/**
 * One signed-level row times `count` split records, one at a time: the integer sums and float steps of
 * {@link splitTile2x2}, so each result has the same bits as there.
 */
export function dotSplit8(u: usize, a: usize, stride: usize, count: i32, cols: i32, out: usize, outStride: usize): void {
  const np = paddedBlocks(cols);
  const dOff = <usize>np << 5;
  const sOff = dOff + (<usize>np << 2);
  const minus = splitMinusAt(np);
  for (let t = 0; t < count; t++) {
    const at = a + <usize>t * stride;
    let acc = f32x4.splat(0);
    for (let b = 0; b < np; b += 4) {
      const g = <usize>b << 5;
      const bo = <usize>b << 2;
      let pu = u + g;
      let p = at + g;
      const end = pu + 128;
      let sp = i32x4.splat(0);
      let sn = sp;
      while (true) {
        const w = v128.load(pu);
        sp = dotAdd(v128.load(p), w, sp);
        sn = dotAdd(v128.load(p + minus), w, sn);
        pu += 16;
        p += 16;
        if (pu == end) break;
      }
      const du = v128.load(u + dOff + bo);
      acc = block32Result(acc, i32x4.sub(sp, sn), du, du, at, dOff, sOff, bo, false);
    }
    store<f32>(out + <usize>t * outStride, hsum(acc));
  }
}

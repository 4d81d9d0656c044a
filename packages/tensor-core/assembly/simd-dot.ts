// Integer dot products of weight levels with quantized activations, in the two builds:
//   RELAXED = 1 (relaxed SIMD): activations are stored as i8; unsigned 7-bit weight levels are multiplied
//     with `i16x8.relaxed_dot_i8x16_i7x16_s` (pmaddubsw: 16 products summed in pairs to i16), and the
//     i16 pair sums widened by `i32x4.dot_i16x8_s` against the group's scale (the scale costs nothing).
//   VNNI = 1 (a relaxed build as well): the 8-bit products are added up with the fused dot-add
//     `i32x4.relaxed_dot_i8x16_i7x16_add_s` ({@link dotAdd}), one instruction (`vpdpbusd`) on engines and
//     CPUs with AVX-VNNI, where it saves the multiply by ones and the add; chosen at run time only where
//     the engine runs it as one instruction and right (src/wasm/dot-add-probe.ts: V8 12 and older emulate
//     it, and Node 20's gets it wrong). The integer sums are the same, so the results are too.
//   RELAXED = 0 (SIMD 128 only): activations are stored widened to i16 and levels are widened too, then
//     multiplied with i32x4.dot_i16x8_s.
// RELAXED and VNNI are compile-time constants (`asc --use RELAXED=0|1 --use VNNI=0|1`, see asconfig.json): the other branch is
// not compiled in. In the i16 build, lane j of a 16-value sum holds the products of levels 2j, 2j+1,
// 8+2j and 9+2j, exactly as the unpacked-row kernels (unpacked.ts) do, so both paths give identical sums.
// Signed levels (Q8_0, IQ4) use it through their magnitudes, the activations taking their signs (signedPairSums).

import { VI, vi } from './vconst';

/**
 * Byte offset of activation level `e` in the records of the signed formats' decode products: the split
 * records of the VNNI build ({@link dotSplit32}: 64 bytes per 32 levels), else as {@link actOffset}.
 */
@inline
export function signedActOffset(e: i32): usize {
  return VNNI ? <usize>e << 1 : actOffset(e);
}

/** i16 pair sums of 16 unsigned 7-bit levels `u` times 16 i8 activations `x` already loaded (relaxed build only). */
@inline
export function pairSumsOf(u: v128, x: v128): v128 {
  if (RELAXED) return i16x8.relaxed_dot_i8x16_i7x16_s(x, u);
  return unreachable();
}

/**
 * acc + the sums of each 4 adjacent products of unsigned 7-bit levels `u` with the i8 activations `x`, in
 * one instruction (VNNI build only: `i32x4.relaxed_dot_i8x16_i7x16_add_s`, which engines with AVX-VNNI
 * lower to `vpdpbusd`). The same i32 lanes as pmaddwd of the pair sums against ones, so the same sums.
 */
@inline
export function dotAdd(u: v128, x: v128, acc: v128): v128 {
  if (VNNI) return i32x4.relaxed_dot_i8x16_i7x16_add_s(x, u, acc);
  return unreachable();
}

/** {@link dotAdd} of two 16-level halves: acc + sums of `u0` with `x0` and of `u1` with `x1` (VNNI build only). */
@inline
export function dotAdd32(u0: v128, x0: v128, u1: v128, x1: v128, acc: v128): v128 {
  return dotAdd(u1, x1, dotAdd(u0, x0, acc));
}

/** Byte offset of activation level `e` in an activation record. */
@inline
export function actOffset(e: i32): usize {
  return RELAXED ? <usize>e : <usize>e << 1;
}

/** i16 pair sums of 16 unsigned 7-bit levels `u` times the 16 i8 activations at `a` (relaxed build only). */
@inline
export function pairSums(u: v128, a: usize): v128 {
  return pairSumsOf(u, v128.load(a));
}

/** acc + partial sums of 16 unsigned levels (0..127, one per byte of `u`) times the 16 activations at `a`. */
@inline
export function dotU16(u: v128, a: usize, acc: v128): v128 {
  if (VNNI) return dotAdd(u, v128.load(a), acc);
  if (RELAXED) return i32x4.add(acc, i32x4.dot_i16x8_s(pairSums(u, a), vi(VI.I16_ONES)));
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(u), v128.load(a));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(u), v128.load(a, 16));
  return i32x4.add(acc, i32x4.add(lo, hi));
}

/** acc + `scale` times the partial sums of 16 unsigned levels (0..63) times the activations at `a`. */
@inline
export function dotU16Scaled(u: v128, a: usize, scale: i32, acc: v128): v128 {
  if (RELAXED) return i32x4.add(acc, i32x4.dot_i16x8_s(pairSums(u, a), i16x8.splat(<i16>scale)));
  return scaled(acc, dotU16(u, a, i32x4.splat(0)), scale);
}

/**
 * acc + `scale` times the partial sums of 32 unsigned levels (0..63: `u0` with the activations at `a0`,
 * `u1` with those at `a1`), the scale already spread over the lanes (superblock.ts scaleSplat: in every i16
 * lane in the relaxed build, every i32 lane in the SIMD-128 and VNNI builds). The relaxed build adds the two
 * halves' pair sums in i16 (at most 2 * 2 * 63 * 127 = 32004) before one widening multiply by the scale; the
 * VNNI build takes levels up to 31 only.
 */
@inline
export function dotU32ScaledV(u0: v128, a0: usize, u1: v128, a1: usize, scale: v128, acc: v128): v128 {
  if (VNNI) {
    // i32 lane sums of 8 products, at most 8 * 31 * 127 = 31496 for levels up to 31 (Q4_K, Q5_K): they
    // fit the low i16 of their lanes, which the scale multiplies (it sits in the low i16 of each i32 lane)
    const sums = dotAdd32(u0, v128.load(a0), u1, v128.load(a1), i32x4.splat(0));
    return i32x4.add(acc, i32x4.dot_i16x8_s(sums, scale));
  }
  if (RELAXED) return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.add(pairSums(u0, a0), pairSums(u1, a1)), scale));
  return i32x4.add(acc, i32x4.mul(dotU16(u1, a1, dotU16(u0, a0, i32x4.splat(0))), scale));
}

/** acc + partial sums of 32 unsigned levels (0..63: `u0` with the activations at `a0`, `u1` with `a1`). */
@inline
export function dotU32(u0: v128, a0: usize, u1: v128, a1: usize, acc: v128): v128 {
  if (VNNI) return dotAdd32(u0, v128.load(a0), u1, v128.load(a1), acc);
  if (RELAXED) return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.add(pairSums(u0, a0), pairSums(u1, a1)), vi(VI.I16_ONES)));
  return dotU16(u1, a1, dotU16(u0, a0, acc));
}

/**
 * Partial sums of 32 unsigned levels (0..63: `u0` with the activations at `a0`, `u1` with `a1`), with no
 * accumulator: {@link dotU32} onto zero without the add of a zero vector (V8 does not fold it away).
 */
@inline
export function sumU32(u0: v128, a0: usize, u1: v128, a1: usize, ones: v128): v128 {
  // (for signed levels the same change measured 5-7% slower: Q8_0 and IQ4 keep dotS16 onto zero)
  if (VNNI) return dotAdd32(u0, v128.load(a0), u1, v128.load(a1), i32x4.splat(0));
  if (RELAXED) return i32x4.dot_i16x8_s(i16x8.add(pairSums(u0, a0), pairSums(u1, a1)), ones);
  return i32x4.add(sumU16(u0, a0), sumU16(u1, a1));
}

/** Partial sums of 16 unsigned levels times the activations at `a` (SIMD-128 build: i16 activations). */
@inline
function sumU16(u: v128, a: usize): v128 {
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(u), v128.load(a));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(u), v128.load(a, 16));
  return i32x4.add(lo, hi);
}

/**
 * i16 pair sums of 16 signed levels `s` (-127..127) times 16 i8 activations `a` (-127..127) through the
 * unsigned-times-signed relaxed product, as ggml's x86 kernels do: |s| is the unsigned operand and each
 * activation takes the sign of its level (pair sums at most 2 * 127 * 127, no saturation). A level of -128
 * (ggml's quantizers never write one) is exact on x86 engines (pmaddubsw reads |-128| as 128) but outside
 * the relaxed product's 7-bit contract elsewhere. Relaxed build only.
 */
@inline
export function signedPairSums(s: v128, a: v128): v128 {
  if (!RELAXED) return unreachable();
  return i16x8.relaxed_dot_i8x16_i7x16_s(signedActivations(s, a), i8x16.abs(s));
}

/** The activations `a` with the signs of the levels `s`: a where s >= 0, -a where s < 0 (see {@link signedPairSums}). */
@inline
function signedActivations(s: v128, a: v128): v128 {
  const negative = i8x16.lt_s(s, i8x16.splat(0));
  return i8x16.sub(v128.xor(a, negative), negative);
}

/** acc + partial sums of 16 signed levels (-127..127; any i8 in the SIMD-128 build) times the 16 activations at `a`. */
@inline
export function dotS16(s: v128, a: usize, acc: v128, ones: v128): v128 {
  if (VNNI) return dotAdd(i8x16.abs(s), signedActivations(s, v128.load(a)), acc);
  if (RELAXED) return i32x4.add(acc, i32x4.dot_i16x8_s(signedPairSums(s, v128.load(a)), ones));
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(s), v128.load(a));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(s), v128.load(a, 16));
  return i32x4.add(acc, i32x4.add(lo, hi));
}

/**
 * Partial sums (i32 lanes) of 32 signed levels (`s0`: the first 16, `s1`: the next; any i8, -128 too)
 * times the activations of a split record at `a` (activations.ts quantizeSplit32: a+ = max(a, 0) at
 * `a`, a- = max(-a, 0) at `a + 32`), as sums of s * a+ minus sums of s * a-: both 7-bit parts are the
 * unsigned operands of the relaxed product and the levels its signed ones, so nothing per row moves signs.
 * Relaxed builds only (see activations.ts quantizeSplit32).
 */
@inline
export function dotSplit32(s0: v128, s1: v128, a: usize): v128 {
  if (VNNI) {
    const plus = dotAdd(v128.load(a, 16), s1, dotAdd(v128.load(a), s0, i32x4.splat(0)));
    const minus = dotAdd(v128.load(a, 48), s1, dotAdd(v128.load(a, 32), s0, i32x4.splat(0)));
    return i32x4.sub(plus, minus);
  }
  if (RELAXED) {
    // each part's pair sums are exact (at most 2 * 128 * 127), and so is their i16 difference: it is the
    // pair's true sum s * a, as small; one widening then serves both parts
    const d0 = i16x8.sub(pairSumsOf(v128.load(a), s0), pairSumsOf(v128.load(a, 32), s0));
    const d1 = i16x8.sub(pairSumsOf(v128.load(a, 16), s1), pairSumsOf(v128.load(a, 48), s1));
    return i32x4.add(i32x4.dot_i16x8_s(d0, i16x8.splat(1)), i32x4.dot_i16x8_s(d1, i16x8.splat(1)));
  }
  return unreachable();
}

/** acc + sub-block partial sums times an integer scale. */
@inline
export function scaled(acc: v128, sums: v128, scale: i32): v128 {
  return i32x4.add(acc, i32x4.mul(sums, i32x4.splat(scale)));
}

/** Sum over 16 groups of (i16 mins at `m`) * (i16 activation group sums at `bsums`). */
@inline
export function minDot16(m: v128, m2: v128, bsums: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(m, v128.load(bsums)), i32x4.dot_i16x8_s(m2, v128.load(bsums, 16)));
}

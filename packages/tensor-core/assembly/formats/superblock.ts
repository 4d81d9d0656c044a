// Shared pieces of the 256-value super-block formats (Q2_K .. Q6_K, IQ4_XS).

import { finiteHalfToF32x4, mulAdd } from '../common';
import { actOffset } from '../simd-dot';
import { laneMask, storeRow8Block } from './block32';
import { VF, VI, byteBit, vf, vi } from '../vconst';

/** Bit `k` (0..7) of every byte, as 0 or 1. */
@inline
export function bitOf(v: v128, k: i32): v128 {
  return v128.and(i16x8.shr_u(v, k), byteBit(0));
}

/** Bits `2k, 2k + 1` (k = 0..3) of every byte, as 0..3. */
@inline
export function crumbOf(v: v128, k: i32): v128 {
  return v128.and(i16x8.shr_u(v, k << 1), vi(VI.BYTE_3));
}

/**
 * {@link crumbOf} for a constant `k` (decode loops): no shift for k = 0 (V8 keeps a shift by 0). With a
 * variable `k` use crumbOf: this would compute both arms.
 */
@inline
export function crumbAt(v: v128, k: i32): v128 {
  return k == 0 ? v128.and(v, vi(VI.BYTE_3)) : v128.and(i16x8.shr_u(v, k << 1), vi(VI.BYTE_3));
}

/**
 * Bit `k` of every byte moved to bit `to`, the other bits zero, for constants `k` and `to` (decode loops):
 * one 16-bit shift and one mask (none of the bits a 16-bit shift carries across bytes lands on bit `to`),
 * where `bitOf` then a shift left take three operations.
 */
@inline
export function bitTo(v: v128, k: i32, to: i32): v128 {
  const mask = byteBit(to);
  if (k < to) return v128.and(i16x8.shl(v, to - k), mask);
  if (k > to) return v128.and(i16x8.shr_u(v, k - to), mask);
  return v128.and(v, mask);
}

/** Stores 16 byte levels times `d` as f32 (one rounding per value). */
@inline
export function storeScaledLevels(dst: usize, v: v128, d: f32): void {
  const ds = f32x4.splat(d);
  const l = i16x8.extend_low_i8x16_s(v);
  const h = i16x8.extend_high_i8x16_s(v);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), ds));
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), ds), 16);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), ds), 32);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), ds), 48);
}

/** Stores 16 byte levels as `f32(d * level) - m` (product rounded, then difference rounded). */
@inline
export function storeScaledLevelsMinus(dst: usize, v: v128, d: f32, m: f32): void {
  const ds = f32x4.splat(d);
  const ms = f32x4.splat(m);
  const l = i16x8.extend_low_i8x16_s(v);
  const h = i16x8.extend_high_i8x16_s(v);
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), ds), ms));
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), ds), ms), 16);
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), ds), ms), 32);
  v128.store(dst, f32x4.sub(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), ds), ms), 48);
}

/** Byte `i` (0..3) of a u32. */
@inline
export function byteOf(word: u32, i: i32): i32 {
  return <i32>((word >> (<u32>i << 3)) & 0xff);
}

/** Offsets of the unpacked super-block row parts (see unpacked.ts). */
@inline
export function scalesAt(u: usize, cols: i32): usize {
  return u + (<usize>cols << 1);
}
@inline
export function dminsAt(u: usize, cols: i32): usize {
  return u + (<usize>cols << 1) + (<usize>(cols >> 8) << 2);
}
@inline
export function minsAt(u: usize, cols: i32): usize {
  return u + (<usize>cols << 1) + (<usize>(cols >> 8) << 3);
}

/**
 * The 6-bit scales and mins of Q4_K / Q5_K (12 bytes at `p`, ggml's get_scale_min_k4) as four words of
 * four bytes: scales 0..3, scales 4..7, mins 0..3, mins 4..7.
 */
@inline
export function scalesK4(p: usize): v128 {
  const u0 = load<u32>(p);
  const u1 = load<u32>(p, 4);
  const u2 = load<u32>(p, 8);
  const scLo = u0 & 0x3f3f3f3f;
  const scHi = (u2 & 0x0f0f0f0f) | ((u0 >> 2) & 0x30303030);
  const mnLo = u1 & 0x3f3f3f3f;
  const mnHi = ((u2 >> 4) & 0x0f0f0f0f) | ((u1 >> 2) & 0x30303030);
  return i32x4(scLo, scHi, mnLo, mnHi);
}

/**
 * {@link scalesK4} with SIMD (the same four words, bit for bit). Loads 16 bytes at `p` (the 12 scale bytes
 * and 4 bytes of the levels after them, which only land in a lane that is masked off).
 */
@inline
export function scalesK4v(p: usize, lowMask: v128 = vi(VI.K4_LOW_MASK), highMask: v128 = vi(VI.K4_HIGH_MASK)): v128 {
  const v = v128.load(p); // u0 u1 u2 -
  const lo = v128.shuffle<i32>(v, i32x4.shr_u(v, 4), 0, 2, 1, 6); // u0 u2 u1 u2>>4
  const hi = v128.shuffle<i32>(i32x4.shr_u(v, 2), v, 0, 0, 1, 1); // - u0>>2 - u1>>2
  return v128.or(
    v128.and(lo, lowMask),
    v128.and(hi, highMask),
  ); // scales 0..3, scales 4..7, mins 0..3, mins 4..7 (as scalesK4)
}

/**
 * Scale byte `j` (0..15, a compile-time constant) of `v` spread for {@link dotU32ScaledV}: in every i16
 * lane (relaxed build) or every i32 lane (SIMD-128 and VNNI builds). One constant swizzle instead of a lane
 * extract, shifts and a splat.
 */
@inline
export function scaleSplat(v: v128, i: i32): v128 {
  const j = <i8>i;
  if (RELAXED && !VNNI) return i8x16.swizzle(v, i8x16(j, -128, j, -128, j, -128, j, -128, j, -128, j, -128, j, -128, j, -128));
  return i8x16.swizzle(v, i8x16(j, -128, -128, -128, j, -128, -128, -128, j, -128, -128, -128, j, -128, -128, -128));
}

/**
 * Swizzle masks spreading scale byte j of {@link scalesK4v} over the i16 lanes, for j = 0 .. 7, 16 bytes
 * each: the relaxed decode loops of Q4_K and Q5_K load chunk c's two (j = 2c, 2c + 1) with
 * `i8x16.relaxed_swizzle` (one pshufb each; indices 128 give zero in every implementation) instead of
 * shifting the scales on per chunk (one ALU operation less per 64 values: loads are not the limit there).
 */
const SCALE_SPLATS_I16: usize = memory.data<u8>([
  0, 128, 0, 128, 0, 128, 0, 128, 0, 128, 0, 128, 0, 128, 0, 128,
  1, 128, 1, 128, 1, 128, 1, 128, 1, 128, 1, 128, 1, 128, 1, 128,
  2, 128, 2, 128, 2, 128, 2, 128, 2, 128, 2, 128, 2, 128, 2, 128,
  3, 128, 3, 128, 3, 128, 3, 128, 3, 128, 3, 128, 3, 128, 3, 128,
  4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128,
  5, 128, 5, 128, 5, 128, 5, 128, 5, 128, 5, 128, 5, 128, 5, 128,
  6, 128, 6, 128, 6, 128, 6, 128, 6, 128, 6, 128, 6, 128, 6, 128,
  7, 128, 7, 128, 7, 128, 7, 128, 7, 128, 7, 128, 7, 128, 7, 128,
], 16);

/** As {@link SCALE_SPLATS_I16}, each scale in the low i16 of every i32 lane (VNNI build: its sums are i32 lanes). */
const SCALE_SPLATS_I32: usize = memory.data<u8>([
  0, 128, 128, 128, 0, 128, 128, 128, 0, 128, 128, 128, 0, 128, 128, 128,
  1, 128, 128, 128, 1, 128, 128, 128, 1, 128, 128, 128, 1, 128, 128, 128,
  2, 128, 128, 128, 2, 128, 128, 128, 2, 128, 128, 128, 2, 128, 128, 128,
  3, 128, 128, 128, 3, 128, 128, 128, 3, 128, 128, 128, 3, 128, 128, 128,
  4, 128, 128, 128, 4, 128, 128, 128, 4, 128, 128, 128, 4, 128, 128, 128,
  5, 128, 128, 128, 5, 128, 128, 128, 5, 128, 128, 128, 5, 128, 128, 128,
  6, 128, 128, 128, 6, 128, 128, 128, 6, 128, 128, 128, 6, 128, 128, 128,
  7, 128, 128, 128, 7, 128, 128, 128, 7, 128, 128, 128, 7, 128, 128, 128,
], 16);

export const SCALE_SPLATS: usize = VNNI ? SCALE_SPLATS_I32 : SCALE_SPLATS_I16;

/**
 * acc + isum * dd - msum * dm, the super-block products `dd` = d * da and `dm` = dmin * da as scalars: the
 * halves convert on the integer ports (common.ts finiteHalfToF32), where the four-lane conversion cost
 * the Q4_K decode loop about 14 vector operations per super-block (+6% GB/s without them).
 */
@inline
export function superResultMins(acc: v128, isum: v128, msum: v128, dd: f32, dm: f32): v128 {
  acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.splat(dd), acc);
  return f32x4.sub(acc, f32x4.mul(f32x4.convert_i32x4_s(msum), f32x4.splat(dm)));
}

/**
 * One super-block's integer sums folded into one vector for {@link foldPair}: [isum lanes 0 + 1, isum 2 + 3,
 * msum 0 + 1, msum 2 + 3] (integer sums: any order of adding gives the same bits).
 */
@inline
export function foldSums(isum: v128, msum: v128): v128 {
  return i32x4.add(v128.shuffle<i32>(isum, msum, 0, 2, 4, 6), v128.shuffle<i32>(isum, msum, 1, 3, 5, 7));
}

/** Two {@link foldSums} results summed out: [isum of f0, msum of f0, isum of f1, msum of f1]. */
@inline
export function foldPair(f0: v128, f1: v128): v128 {
  return i32x4.add(v128.shuffle<i32>(f0, f1, 0, 2, 4, 6), v128.shuffle<i32>(f0, f1, 1, 3, 5, 7));
}

/**
 * The u32 at `wb + stride * j` in lane j for the first `count` (1..4) lanes, zero in the others: a super-block's
 * d (low half) and dmin (high half). Gathered in two scalar registers and moved over at once.
 */
@inline
function superHalfPairs(wb: usize, stride: usize, count: i32): v128 {
  let lo = <u64>load<u32>(wb);
  if (count > 1) lo |= <u64>load<u32>(wb + stride) << 32;
  let hi: u64 = 0;
  if (count > 2) hi = <u64>load<u32>(wb + 2 * stride);
  if (count > 3) hi |= <u64>load<u32>(wb + 3 * stride) << 32;
  return i64x2.replace_lane(i64x2.splat(lo), 1, hi);
}

/**
 * acc + the shares of `count` (1..4) super-blocks whose d and dmin are the halves at `wb + stride * j` and 2
 * bytes after (j = lane): lane j adds isum[j] * (d_j * da_j) - msum[j] * (dmin_j * da_j), `da` the f32 at
 * `das + 4j`. Four super-blocks at a time: their halves convert as two vectors and meet da once, where one
 * super-block at a time converted two halves in scalar registers and splatted two products.
 *
 * The halves convert as in block32.ts halves4 (shifted into f32 position, times 2^112: three operations)
 * unless one of them is subnormal (or zero): that multiply would have a subnormal operand, which costs a
 * microcode assist (Q5_K decode ran 1.5x slower, its d being subnormal in most super-blocks of weights with a
 * standard deviation of 0.02). Those groups take the exact conversion (common.ts finiteHalfToF32x4); both
 * give the same bits.
 */
@inline
export function superResultMins4(acc: v128, isum: v128, msum: v128, wb: usize, stride: usize, das: usize, count: i32): v128 {
  const da = count >= 4 ? v128.load(das) : v128.and(v128.load(das), laneMask(count));
  const pairs = superHalfPairs(wb, stride, count); // lane j: d_j | dmin_j << 16
  let d: v128;
  let dmin: v128;
  if (v128.any_true(i16x8.eq(v128.and(pairs, vi(VI.HALF_EXPONENTS)), i16x8.splat(0)))) {
    // d: the low halves as they are (the conversion reads bits 0-15 only; its sign shift drops dmin)
    d = finiteHalfToF32x4(pairs);
    dmin = finiteHalfToF32x4(i32x4.shr_u(pairs, 16));
  } else {
    const halfBits = vi(VI.SHIFTED_HALF_BITS);
    const halfScale = vf(VF.TWO_POW_112);
    d = f32x4.mul(v128.and(i32x4.shr_s(i32x4.shl(pairs, 16), 3), halfBits), halfScale);
    dmin = f32x4.mul(v128.and(i32x4.shr_s(pairs, 3), halfBits), halfScale);
  }
  acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.mul(d, da), acc);
  return f32x4.sub(acc, f32x4.mul(f32x4.convert_i32x4_s(msum), f32x4.mul(dmin, da)));
}

/** {@link superResultMins4} of the pairs q01 = foldPair(f0, f1), q23 = foldPair(f2, f3) of four super-blocks. */
@inline
export function superGroupResultMins(acc: v128, q01: v128, q23: v128, wb: usize, stride: usize, das: usize, count: i32): v128 {
  const isum = v128.shuffle<i32>(q01, q23, 0, 2, 4, 6);
  const msum = v128.shuffle<i32>(q01, q23, 1, 3, 5, 7);
  return superResultMins4(acc, isum, msum, wb, stride, das, count);
}

/** Stores the eight mins (bytes 8..15 of {@link scalesK4}) as 16 i16, each twice (one per 16-value group). */
@inline
export function storeMinsK4(dst: usize, sm: v128): void {
  v128.store(dst, minsK4Low(sm));
  v128.store(dst, minsK4High(sm), 16);
}

/** Where the parts of super-block `b` of a Q8_K activation record are (activations.ts). */
@inline
export function actLevels(a: usize, b: i32): usize {
  return a + actOffset(b << 8);
}
@inline
export function actScale(a: usize, cols: i32, b: i32): f32 {
  return load<f32>(a + (<usize>cols << 1) + (<usize>b << 2));
}
@inline
export function actSums(a: usize, cols: i32, b: i32): usize {
  return a + (<usize>cols << 1) + (<usize>(cols >> 8) << 2) + (<usize>b << 5);
}

/**
 * acc + isum * (d * da) [- msum * (dmin * da)]: one super-block's contribution, in the order of
 * unpacked.ts dotK1 (so fused and unpacked products agree bit for bit).
 */
@inline
export function superResult(acc: v128, isum: v128, d: f32, da: f32): v128 {
  return mulAdd(f32x4.convert_i32x4_s(isum), f32x4.splat(d * da), acc);
}
@inline
export function superMins(acc: v128, msum: v128, dmin: f32, da: f32): v128 {
  return f32x4.sub(acc, f32x4.mul(f32x4.convert_i32x4_s(msum), f32x4.splat(dmin * da)));
}

/**
 * The eight mins of {@link scalesK4} as i16, each twice: groups 0..7 and 8..15. The relaxed build loads
 * its masks: V8 builds a v128 constant from four scalar instructions each time a loop uses it (a load is
 * one; the Q4_K decode loop gained 2-6%); the SIMD-128 build keeps constants, because its swizzle of a
 * loaded mask costs an extra saturating add.
 */
@inline
export function minsK4Low(sm: v128): v128 {
  if (RELAXED) return i8x16.relaxed_swizzle(sm, v128.load(MINS_K4_SPLATS));
  return i8x16.swizzle(sm, i8x16(8, -128, 8, -128, 9, -128, 9, -128, 10, -128, 10, -128, 11, -128, 11, -128));
}
@inline
export function minsK4High(sm: v128): v128 {
  if (RELAXED) return i8x16.relaxed_swizzle(sm, v128.load(MINS_K4_SPLATS, 16));
  return i8x16.swizzle(sm, i8x16(12, -128, 12, -128, 13, -128, 13, -128, 14, -128, 14, -128, 15, -128, 15, -128));
}
/** The masks of {@link minsK4Low} and {@link minsK4High} (indices 128 give zero in every implementation). */
const MINS_K4_SPLATS: usize = memory.data<u8>([
  8, 128, 8, 128, 9, 128, 9, 128, 10, 128, 10, 128, 11, 128, 11, 128,
  12, 128, 12, 128, 13, 128, 13, 128, 14, 128, 14, 128, 15, 128, 15, 128,
], 16);

/**
 * Sub-blocks 2c and 2c + 1 of a Q4_K/Q5_K super-block (scales and mins `sm` from {@link scalesK4}, `d`,
 * `dmin`) as two blocks of a relaxed unpacked 32-value row of `np` blocks at `u`, from block `b`: their
 * unsigned levels (`lo0`, `lo1`: values 0-15 and 16-31 of sub-block 2c; `hi0`, `hi1` of 2c + 1), scale
 * d * scale[s] and min -dmin * min[s], plus `levelOffset` times the scale where the product sums
 * (q - levelOffset) * a (Q5_K: 16; unpacked8.ts offsetShiftOf).
 */
@inline
export function storeSubBlocks8(
  u: usize, np: i32, b: i32, sm: v128, c: i32, d: f32, dmin: f32, lo0: v128, lo1: v128, hi0: v128, hi1: v128, levelOffset: f32,
): void {
  const word = <u32>(c < 2 ? i32x4.extract_lane(sm, 0) : i32x4.extract_lane(sm, 1));
  const mword = <u32>(c < 2 ? i32x4.extract_lane(sm, 2) : i32x4.extract_lane(sm, 3));
  const j = (c & 1) << 1;
  const d0 = d * <f32>byteOf(word, j);
  const d1 = d * <f32>byteOf(word, j + 1);
  const m0 = dmin * <f32>byteOf(mword, j);
  const m1 = dmin * <f32>byteOf(mword, j + 1);
  storeRow8Block(u, np, b, lo0, lo1, d0, levelOffset != 0 ? d0 * levelOffset - m0 : -m0);
  storeRow8Block(u, np, b + 1, hi0, hi1, d1, levelOffset != 0 ? d1 * levelOffset - m1 : -m1);
}

// Shared pieces of the 32-value block formats (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL): unpacking a
// block's 32 levels (two i8x16: values 0..15 and 16..31) and dequantizing them exactly as ggml does.

import { anchor, finiteHalfToF32, halfToF32, hsum, mulAdd } from '../common';
import { actOffset, sumU32 } from '../simd-dot';
import { VF, VI, vf, vi } from '../vconst';
import { groupDot, groupHalves } from './groups4';

/**
 * Bytes of `table` at the 16 indices `nibbles` (each 0..15): one pshufb with the relaxed swizzle, whose
 * result is defined for indices below 16; the plain swizzle also masks indices of 16 and up (2-3 x64
 * instructions).
 */
@inline
export function lookup16(table: v128, nibbles: v128): v128 {
  return RELAXED ? i8x16.relaxed_swizzle(table, nibbles) : i8x16.swizzle(table, nibbles);
}

/** The low nibble of each byte (`nibbles`: 0x0f in every byte, hoisted by loops: vconst.ts). */
@inline
export function lowNibbles(v: v128, nibbles: v128 = vi(VI.NIBBLES)): v128 {
  return v128.and(v, nibbles);
}

/** The high nibble of each byte. */
@inline
export function highNibbles(v: v128, nibbles: v128 = vi(VI.NIBBLES)): v128 {
  return v128.and(i16x8.shr_u(v, 4), nibbles);
}

/**
 * 16 in byte j where bit j of the 16-bit `bits` is set, else 0: the 5th bits of Q5_0 / Q5_1 levels. Two
 * 8-byte lookups (one per byte of `bits`) in {@link HIGH_BIT_BYTES}: a load and an insert, where spreading
 * the bits (splat, swizzle, mask, compare) and a mask took six vector operations (Q5_0 / Q5_1 decode +5%).
 */
@inline
function highBits16(bits: u32): v128 {
  const lo = v128.load64_zero(HIGH_BIT_BYTES + (<usize>(bits & 0xff) << 3));
  return v128.load64_lane(HIGH_BIT_BYTES + (<usize>((bits >> 8) & 0xff) << 3), lo, 1);
}

/**
 * The 5-bit levels 0..31 of 16 values of Q5_0 / Q5_1: `nibbles` plus 16 where the value's bit of the
 * 16-bit `bits` is set.
 */
@inline
export function levels5(nibbles: v128, bits: u32): v128 {
  return v128.or(nibbles, highBits16(bits));
}

/**
 * Partial sums of the 32 five-bit levels of a Q5_0 / Q5_1 block (nibbles `v`, fifth bits `qh`) times the
 * activations at `a` (`nibbles`, `ones`: the caller's hoisted constants, vconst.ts).
 */
@inline
export function sumLevels5(v: v128, qh: u32, a: usize, nibbles: v128, ones: v128): v128 {
  const lo = levels5(lowNibbles(v, nibbles), qh & 0xffff);
  const hi = levels5(highNibbles(v, nibbles), qh >> 16);
  return sumU32(lo, a, hi, a + actOffset(16), ones);
}

/** Entry b (8 bytes): byte j is 16 where bit j of b is set, else 0. */
const HIGH_BIT_BYTES: usize = memory.data<u64>([
  0x0000000000000000, 0x0000000000000010, 0x0000000000001000, 0x0000000000001010,
  0x0000000000100000, 0x0000000000100010, 0x0000000000101000, 0x0000000000101010,
  0x0000000010000000, 0x0000000010000010, 0x0000000010001000, 0x0000000010001010,
  0x0000000010100000, 0x0000000010100010, 0x0000000010101000, 0x0000000010101010,
  0x0000001000000000, 0x0000001000000010, 0x0000001000001000, 0x0000001000001010,
  0x0000001000100000, 0x0000001000100010, 0x0000001000101000, 0x0000001000101010,
  0x0000001010000000, 0x0000001010000010, 0x0000001010001000, 0x0000001010001010,
  0x0000001010100000, 0x0000001010100010, 0x0000001010101000, 0x0000001010101010,
  0x0000100000000000, 0x0000100000000010, 0x0000100000001000, 0x0000100000001010,
  0x0000100000100000, 0x0000100000100010, 0x0000100000101000, 0x0000100000101010,
  0x0000100010000000, 0x0000100010000010, 0x0000100010001000, 0x0000100010001010,
  0x0000100010100000, 0x0000100010100010, 0x0000100010101000, 0x0000100010101010,
  0x0000101000000000, 0x0000101000000010, 0x0000101000001000, 0x0000101000001010,
  0x0000101000100000, 0x0000101000100010, 0x0000101000101000, 0x0000101000101010,
  0x0000101010000000, 0x0000101010000010, 0x0000101010001000, 0x0000101010001010,
  0x0000101010100000, 0x0000101010100010, 0x0000101010101000, 0x0000101010101010,
  0x0010000000000000, 0x0010000000000010, 0x0010000000001000, 0x0010000000001010,
  0x0010000000100000, 0x0010000000100010, 0x0010000000101000, 0x0010000000101010,
  0x0010000010000000, 0x0010000010000010, 0x0010000010001000, 0x0010000010001010,
  0x0010000010100000, 0x0010000010100010, 0x0010000010101000, 0x0010000010101010,
  0x0010001000000000, 0x0010001000000010, 0x0010001000001000, 0x0010001000001010,
  0x0010001000100000, 0x0010001000100010, 0x0010001000101000, 0x0010001000101010,
  0x0010001010000000, 0x0010001010000010, 0x0010001010001000, 0x0010001010001010,
  0x0010001010100000, 0x0010001010100010, 0x0010001010101000, 0x0010001010101010,
  0x0010100000000000, 0x0010100000000010, 0x0010100000001000, 0x0010100000001010,
  0x0010100000100000, 0x0010100000100010, 0x0010100000101000, 0x0010100000101010,
  0x0010100010000000, 0x0010100010000010, 0x0010100010001000, 0x0010100010001010,
  0x0010100010100000, 0x0010100010100010, 0x0010100010101000, 0x0010100010101010,
  0x0010101000000000, 0x0010101000000010, 0x0010101000001000, 0x0010101000001010,
  0x0010101000100000, 0x0010101000100010, 0x0010101000101000, 0x0010101000101010,
  0x0010101010000000, 0x0010101010000010, 0x0010101010001000, 0x0010101010001010,
  0x0010101010100000, 0x0010101010100010, 0x0010101010101000, 0x0010101010101010,
  0x1000000000000000, 0x1000000000000010, 0x1000000000001000, 0x1000000000001010,
  0x1000000000100000, 0x1000000000100010, 0x1000000000101000, 0x1000000000101010,
  0x1000000010000000, 0x1000000010000010, 0x1000000010001000, 0x1000000010001010,
  0x1000000010100000, 0x1000000010100010, 0x1000000010101000, 0x1000000010101010,
  0x1000001000000000, 0x1000001000000010, 0x1000001000001000, 0x1000001000001010,
  0x1000001000100000, 0x1000001000100010, 0x1000001000101000, 0x1000001000101010,
  0x1000001010000000, 0x1000001010000010, 0x1000001010001000, 0x1000001010001010,
  0x1000001010100000, 0x1000001010100010, 0x1000001010101000, 0x1000001010101010,
  0x1000100000000000, 0x1000100000000010, 0x1000100000001000, 0x1000100000001010,
  0x1000100000100000, 0x1000100000100010, 0x1000100000101000, 0x1000100000101010,
  0x1000100010000000, 0x1000100010000010, 0x1000100010001000, 0x1000100010001010,
  0x1000100010100000, 0x1000100010100010, 0x1000100010101000, 0x1000100010101010,
  0x1000101000000000, 0x1000101000000010, 0x1000101000001000, 0x1000101000001010,
  0x1000101000100000, 0x1000101000100010, 0x1000101000101000, 0x1000101000101010,
  0x1000101010000000, 0x1000101010000010, 0x1000101010001000, 0x1000101010001010,
  0x1000101010100000, 0x1000101010100010, 0x1000101010101000, 0x1000101010101010,
  0x1010000000000000, 0x1010000000000010, 0x1010000000001000, 0x1010000000001010,
  0x1010000000100000, 0x1010000000100010, 0x1010000000101000, 0x1010000000101010,
  0x1010000010000000, 0x1010000010000010, 0x1010000010001000, 0x1010000010001010,
  0x1010000010100000, 0x1010000010100010, 0x1010000010101000, 0x1010000010101010,
  0x1010001000000000, 0x1010001000000010, 0x1010001000001000, 0x1010001000001010,
  0x1010001000100000, 0x1010001000100010, 0x1010001000101000, 0x1010001000101010,
  0x1010001010000000, 0x1010001010000010, 0x1010001010001000, 0x1010001010001010,
  0x1010001010100000, 0x1010001010100010, 0x1010001010101000, 0x1010001010101010,
  0x1010100000000000, 0x1010100000000010, 0x1010100000001000, 0x1010100000001010,
  0x1010100000100000, 0x1010100000100010, 0x1010100000101000, 0x1010100000101010,
  0x1010100010000000, 0x1010100010000010, 0x1010100010001000, 0x1010100010001010,
  0x1010100010100000, 0x1010100010100010, 0x1010100010101000, 0x1010100010101010,
  0x1010101000000000, 0x1010101000000010, 0x1010101000001000, 0x1010101000001010,
  0x1010101000100000, 0x1010101000100010, 0x1010101000101000, 0x1010101000101010,
  0x1010101010000000, 0x1010101010000010, 0x1010101010001000, 0x1010101010001010,
  0x1010101010100000, 0x1010101010100010, 0x1010101010101000, 0x1010101010101010,
], 8);

/** Blocks of a 32-value format rounded up to whole groups of four (the unpacked and batch layouts). */
@inline
export function paddedBlocks(cols: i32): i32 {
  return ((cols >> 5) + 3) & ~3;
}

/**
 * Where the a- levels of a split relaxed batched record of `np` (padded) blocks start (activations.ts
 * quantize_q8_32r, SPLIT_SIGNS_32R): after its levels (32 np bytes), d and s (4 np each) and level offsets
 * (4 np), 16-byte aligned since np is a multiple of 4.
 */
@inline
export function splitMinusAt(np: i32): usize {
  return <usize>np * 44;
}

/** Stores the four i16 pairs of `v` (8 levels) in four consecutive 16-byte vectors at `p` (one i32 lane each). */
@inline
export function storePairs(p: usize, v: v128): void {
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p, v, 1, 16);
  v128.store32_lane(p, v, 2, 32);
  v128.store32_lane(p, v, 3, 48);
}

/** Where block `b`'s first 4-byte piece is in the relaxed batched layout at `u` (four blocks per 128 bytes). */
@inline
export function block32rAt(u: usize, b: i32): usize {
  return u + (<usize>(b >> 2) << 7) + (<usize>(b & 3) << 2);
}

/**
 * Stores block `b`'s 32 levels (`lo`: values 0..15, `hi`: 16..31, one byte each) into a row or record of
 * the relaxed batched layout at `u` (unpacked8.ts: four blocks per 128 bytes in 4-byte pieces, piece c of
 * block k at 16 c + 4 k).
 */
@inline
export function storeBlock32r(u: usize, b: i32, lo: v128, hi: v128): void {
  const g = block32rAt(u, b);
  storePairs(g, lo);
  storePairs(g + 64, hi);
}

/**
 * Block `b` of a relaxed unpacked row of `np` (padded) blocks at `u` (unpacked8.ts: [levels] [d: f32 x np]
 * [m: f32 x np], value = d * level + m): its levels (`lo`, `hi` as {@link storeBlock32r}), `d` and `m`.
 */
@inline
export function storeRow8Block(u: usize, np: i32, b: i32, lo: v128, hi: v128, d: f32, m: f32): void {
  storeBlock32r(u, b, lo, hi);
  storeRow8Scale(u, np, b, d, m);
}

/**
 * A row of a 32-value format whose block is a half scale then its levels (Q8_0, IQ4_NL), as a relaxed
 * unpacked row (levels as {@link storeRow8Block}, each block's d, no min), padding blocks zero: the signed
 * levels of the VNNI build's split batched product (unpacked8.ts dotSplit8Pair4). The format gives each
 * block's levels, values 0..15 (`row8Low`) and 16..31 (`row8High`), one byte each.
 */
@inline
export function unpackSignedRow8<F>(f: F, w: usize, cols: i32, u: usize): void {
  const nb = cols >> 5;
  const np = paddedBlocks(cols);
  for (let b = 0; b < np; b++) {
    if (b >= nb) {
      storeRow8Block(u, np, b, i8x16.splat(0), i8x16.splat(0), 0, 0);
      continue;
    }
    const wb = w + <usize>b * <usize>f.blockBytes;
    storeRow8Block(u, np, b, f.row8Low(wb), f.row8High(wb), scaleAt(wb), 0);
  }
}

/** Block `b`'s `d` and `m` in a relaxed unpacked row of `np` blocks at `u` ({@link storeRow8Block}). */
@inline
export function storeRow8Scale(u: usize, np: i32, b: i32, d: f32, m: f32): void {
  const ud = u + (<usize>np << 5) + (<usize>b << 2);
  store<f32>(ud, d);
  store<f32>(ud + (<usize>np << 2), m);
}

/**
 * Stores one block's 32 levels (`lo`: values 0..15, `hi`: 16..31, signed bytes) as i16 into the interleaved
 * layout of a group of four blocks (256 bytes at `group`): value e of block k goes to vector e >> 1,
 * i16 lane 2k + (e & 1). One `i32x4.dot_i16x8_s` of two such vectors then sums two products of each of the
 * four blocks into its own lane: the blocks' sums need no horizontal reduction.
 */
@inline
export function storeInterleaved(group: usize, k: i32, lo: v128, hi: v128): void {
  const p = group + (<usize>k << 2);
  storePairs(p, i16x8.extend_low_i8x16_s(lo));
  storePairs(p + 64, i16x8.extend_high_i8x16_s(lo));
  storePairs(p + 128, i16x8.extend_low_i8x16_s(hi));
  storePairs(p + 192, i16x8.extend_high_i8x16_s(hi));
}

/** Where block `b`'s levels go in an interleaved unpacked row or record. */
@inline
export function groupOf(u: usize, b: i32): usize {
  return u + (<usize>(b >> 2) << 8);
}

/** Zero levels, scales and mins for the padding blocks nb .. paddedBlocks of an unpacked row. */
@inline
export function padUnpacked32(u: usize, cols: i32): void {
  const nb = cols >> 5;
  const np = paddedBlocks(cols);
  const ud = u + (<usize>np << 6);
  const um = ud + (<usize>np << 2);
  const zero = i8x16.splat(0);
  for (let b = nb; b < np; b++) {
    storeInterleaved(groupOf(u, b), b & 3, zero, zero);
    store<f32>(ud + (<usize>b << 2), 0);
    store<f32>(um + (<usize>b << 2), 0);
  }
}

/** Stores 16 signed byte levels times `d` as f32 at `dst` (each product rounded once, as in C). */
@inline
export function storeScaled16(dst: usize, v: v128, d: f32): void {
  const ds = f32x4.splat(d);
  const l = i16x8.extend_low_i8x16_s(v);
  const h = i16x8.extend_high_i8x16_s(v);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), ds));
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), ds), 16);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), ds), 32);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), ds), 48);
}

/** Stores 16 byte levels as `level * d + m` in f32 (product rounded, then sum rounded: no fused multiply-add). */
@inline
export function storeScaledMin16(dst: usize, v: v128, d: f32, m: f32): void {
  const ds = f32x4.splat(d);
  const ms = f32x4.splat(m);
  const l = i16x8.extend_low_i8x16_s(v);
  const h = i16x8.extend_high_i8x16_s(v);
  v128.store(dst, mulAdd(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), ds, ms));
  v128.store(dst, mulAdd(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), ds, ms), 16);
  v128.store(dst, mulAdd(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), ds, ms), 32);
  v128.store(dst, mulAdd(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), ds, ms), 48);
}

/** The half at `p` as f32 (exact for every half: row lookups). */
@inline
export function halfAt(p: usize): f32 {
  return halfToF32(load<u16>(p));
}

/** The finite half at `p` as f32 (block scales of products: common.ts finiteHalfToF32). */
@inline
export function scaleAt(p: usize): f32 {
  return finiteHalfToF32(load<u16>(p));
}

/** [hsum(i0), hsum(i1), hsum(i2), hsum(i3)] of four i32x4 (exact integer sums). */
@inline
export function reduce4(i0: v128, i1: v128, i2: v128, i3: v128): v128 {
  const a = i32x4.add(v128.shuffle<i32>(i0, i1, 0, 1, 4, 5), v128.shuffle<i32>(i0, i1, 2, 3, 6, 7));
  const b = i32x4.add(v128.shuffle<i32>(i2, i3, 0, 1, 4, 5), v128.shuffle<i32>(i2, i3, 2, 3, 6, 7));
  return i32x4.add(v128.shuffle<i32>(a, b, 0, 2, 4, 6), v128.shuffle<i32>(a, b, 1, 3, 5, 7));
}

/** All-ones in the first `count` (1..4) i32 lanes, zero in the others. */
@inline
export function laneMask(count: i32): v128 {
  return i32x4.gt_s(i32x4.splat(count), i32x4(0, 1, 2, 3));
}

/**
 * The (finite) halves at `p`, `p + stride`, ... for the first `count` lanes (zero in the others), as f32x4.
 * The four halves are gathered in a scalar register and moved over at once (one pinsrw from memory per
 * half cost a vector operation each: decode +7% per core for Q4_0, +8-16% for Q4_1 with its two calls),
 * each into the high 16 bits of its i32 lane (punpcklwd with zeros); an arithmetic shift
 * right by 3 then puts its exponent and mantissa where an f32 has them, the sign staying in bit 31 (its
 * copies in bits 30-28 masked off), which makes 2^-112 times the half's value, exactly (a subnormal half
 * lands on an f32 subnormal), and times 2^112 it is the value: three instructions per four scales where
 * the general conversion (common.ts finiteHalfToF32x4) takes ten, in the decode products of every 32-value
 * format, which convert one scale per 32 weights. (A subnormal scale, below 6e-5, is a subnormal multiply
 * operand: slow on Intel CPUs without DAZ and on AMD Zen 5 too. A 32-value block's scale is its largest
 * |weight| over 127 (Q8_0) or over 8-16, subnormal only for blocks whose weights all lie below 0.008 (Q8_0),
 * which real models rarely have. The K formats' d and dmin are scales of 6-bit scales, often subnormal:
 * they keep the exact scalar conversion, as this trick made Q6_K decode 2.5x slower: src/wasm/README.md.)
 */
@inline
export function halves4(p: usize, stride: usize, count: i32, halfBits: v128, halfScale: v128): v128 {
  let s = <u64>load<u16>(p);
  if (count > 1) s |= <u64>load<u16>(p + stride) << 16;
  if (count > 2) s |= <u64>load<u16>(p + 2 * stride) << 32;
  if (count > 3) s |= <u64>load<u16>(p + 3 * stride) << 48;
  const zero = i32x4.splat(0);
  const h = v128.shuffle<i16>(zero, i64x2.replace_lane(zero, 0, s), 0, 8, 1, 9, 2, 10, 3, 11);
  const bits = v128.and(i32x4.shr_s(h, 3), halfBits);
  return f32x4.mul(bits, halfScale); // 2^112
}

/**
 * Byte offset of activation level `e` in the fused records `F` reads: split records (64 bytes per 32
 * levels, simd-dot.ts dotSplit32) where the format's `splitSigns` says so in this build.
 */
@inline
function recordOffset<F>(f: F, e: i32): usize {
  if (isDefined(f.splitSigns) && f.splitSigns) return <usize>e << 1;
  return actOffset(e);
}

/**
 * One row of a 32-value block format times one Q8 (32-block) activation record, fused. Blocks go four at a
 * time: their integer sums become the lanes of one vector, scaled by d_w * d_a in one multiply; mins
 * (m_w * s_a) accumulate beside. unpacked.ts dot32x1/dot32x4 follow the same order, bit for bit.
 * The format supplies `blockDot(wb, ab)` (i32x4 partial sums of one block), `scales4(wb, count)` (the
 * block scales, zero past `count`) and `mins4(wb, scales, count)`. Formats whose value is d * (q - 2^k)
 * (`levelOffsetShift` k: Q4_0, Q5_0) take the offset into the integer sums instead in the relaxed build
 * ({@link offsetSums}).
 */
@inline
export function fusedDot32<F>(f: F, w: usize, a: usize, cols: i32): f32 {
  const nb = cols >> 5;
  const bb = <usize>f.blockBytes;
  const ad = a + (<usize>cols << 1);
  const as = ad + (<usize>nb << 2);
  const asum = a + <usize>cols; // integer block sums of a relaxed fused record (offset formats only)
  const floatMins = f.hasMin && !integerOffset<F>(f);
  const zero = i32x4.splat(0);
  // the loops' vector constants, loaded once per row (vconst.ts: V8 would rebuild literal ones per use)
  const nibbles = vi(VI.NIBBLES);
  const ones = vi(VI.I16_ONES);
  const halfBits = vi(VI.SHIFTED_HALF_BITS);
  const halfScale = vf(VF.TWO_POW_112);
  let acc = f32x4.splat(0);
  let accm = f32x4.splat(0);
  // Whole groups of four blocks without the lane masks and count tests of a last partial group (1.1-1.2x
  // in decode for the formats with mins; since Q8_0 and IQ4_NL use the relaxed product through
  // signedPairSums, 1.05-1.2x for them too, in both builds).
  let b = 0;
  if (isDefined(f.groupFields) && f.placedGroups) {
    // rows placed in groups of four blocks (formats/groups4.ts): one pass per group, the blocks' sums in its
    // lanes; the mins are a second half field (Q4_1, Q5_1), or follow from the scales (mins4)
    const fields = f.groupFields;
    for (; b + 4 <= nb; b += 4) {
      const wg = w + <usize>b * bb;
      const sums = groupDot(wg, fields, f.groupQh, a + recordOffset<F>(f, b << 5), nibbles, ones);
      const isum = offsetSums<F>(f, sums, asum + (<usize>b << 2), 4);
      const dw = groupHalves(wg, 0, halfBits, halfScale);
      const da = v128.load(ad + (<usize>b << 2));
      acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.mul(dw, da), acc);
      if (floatMins) {
        const m = fields > 1 ? groupHalves(wg, 1, halfBits, halfScale) : f.mins4(wg, dw, 4, halfBits, halfScale);
        accm = mulAdd(m, v128.load(as + (<usize>b << 2)), accm);
      }
    }
  }
  for (; b + 4 <= nb; b += 4) {
    const wb = w + <usize>b * bb;
    const ab = a + recordOffset<F>(f, b << 5);
    const i0 = f.blockDot(wb, ab, nibbles, ones);
    anchor(i0);
    const i1 = f.blockDot(wb + bb, ab + recordOffset<F>(f, 32), nibbles, ones);
    anchor(i1);
    const i2 = f.blockDot(wb + 2 * bb, ab + recordOffset<F>(f, 64), nibbles, ones);
    anchor(i2);
    const i3 = f.blockDot(wb + 3 * bb, ab + recordOffset<F>(f, 96), nibbles, ones);
    const isum = offsetSums<F>(f, reduce4(i0, i1, i2, i3), asum + (<usize>b << 2), 4);
    const dw = f.scales4(wb, 4, halfBits, halfScale);
    const da = v128.load(ad + (<usize>b << 2));
    acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.mul(dw, da), acc);
    if (floatMins) accm = mulAdd(f.mins4(wb, dw, 4, halfBits, halfScale), v128.load(as + (<usize>b << 2)), accm);
  }
  for (; b < nb; b += 4) {
    const count = min(4, nb - b);
    const wb = w + <usize>b * bb;
    const ab = a + recordOffset<F>(f, b << 5);
    const i0 = f.blockDot(wb, ab, nibbles, ones);
    const i1 = count > 1 ? f.blockDot(wb + bb, ab + recordOffset<F>(f, 32), nibbles, ones) : zero;
    const i2 = count > 2 ? f.blockDot(wb + 2 * bb, ab + recordOffset<F>(f, 64), nibbles, ones) : zero;
    const i3 = count > 3 ? f.blockDot(wb + 3 * bb, ab + recordOffset<F>(f, 96), nibbles, ones) : zero;
    const mask = laneMask(count);
    const isum = offsetSums<F>(f, reduce4(i0, i1, i2, i3), asum + (<usize>b << 2), count);
    const dw = f.scales4(wb, count, halfBits, halfScale);
    const da = v128.and(v128.load(ad + (<usize>b << 2)), mask);
    acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.mul(dw, da), acc);
    if (floatMins) {
      const sa = v128.and(v128.load(as + (<usize>b << 2)), mask);
      accm = mulAdd(f.mins4(wb, dw, count, halfBits, halfScale), sa, accm);
    }
  }
  return hsum(acc) + hsum(accm);
}

/** Whether `F`'s fused products subtract its level offset in integers (relaxed build, `levelOffsetShift`). */
@inline
function integerOffset<F>(f: F): bool {
  if (RELAXED && isDefined(f.levelOffsetShift)) return true;
  return false;
}

/**
 * Integer block sums `sums` of four blocks (the first `count`) less 2^k times the blocks' activation level
 * sums at `asumAt`, for formats whose value is d * (q - 2^k) in the relaxed build: sum((q - 2^k) * a),
 * exactly, as llama.cpp computes Q4_0 and Q5_0, and one accumulator fewer in {@link fusedDot32} than
 * adding -2^k d_w * s_a in floats (Q4_0 decode +7%, Q5_0 +3% per core). Other formats: `sums`.
 */
@inline
function offsetSums<F>(f: F, sums: v128, asumAt: usize, count: i32): v128 {
  if (RELAXED && isDefined(f.levelOffsetShift)) {
    const offsets = i32x4.shl(v128.load(asumAt), f.levelOffsetShift);
    return i32x4.sub(sums, count >= 4 ? offsets : v128.and(offsets, laneMask(count)));
  }
  return sums;
}

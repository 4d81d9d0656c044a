// Q6_K: super-blocks of 256 values in 210 bytes: u8 ql[128] (low 4 bits); u8 qh[64] (high 2 bits);
// i8 scales[16] (one per 16 values); half d.  Half h (128 values) uses ql[64h ..] and qh[32h ..]:
//   value 128h + l      = ql[l] low    | qh[l] bits 0-1      (l = 0..31)
//   value 128h + l + 32 = ql[l+32] low | qh[l] bits 2-3
//   value 128h + l + 64 = ql[l] high   | qh[l] bits 4-5
//   value 128h + l + 96 = ql[l+32] high| qh[l] bits 6-7
// x = (d * scale[s]) * (q - 32), computed as d * (scale * q) - d * (32 * scale): unsigned 6-bit levels
// (for the relaxed dot) and the offset as a "min" of each 16-value group.
//
// Placement: in wasm memory the levels of every super-block are moved and encoded anew when the weight is
// uploaded ({@link placeQ6K}; src/wasm/placement.ts). Call the 16 levels decoded together from ql / qh
// bytes 16r .. 16r + 15 with field k (k = 0..3: low nibbles of ql[l], of ql[l + 32], high nibbles of
// each) level vector t = 4r + k of the half. In ggml's order vector t holds group 2k + r (16 values, one
// scale); placed, its 4-byte word c holds values 4q .. 4q + 3 of group 4(t & 1) + c, q = t >> 1: each
// word one group, the even vectors groups 0..3 of the half, the odd ones 4..7. The i16 pair sums of the
// relaxed decode product then keep each group in its own two lanes, add two vectors together and meet a
// vector of scales in one multiply per 32 values, where ggml's order spreads a scale over the lanes and
// multiplies it per 16 values (activations placed to match: activations.ts quantize_q8_K option 4).
// Placed vectors 0, 2, 4, 6 are the 4 x 4 word transpose of groups 0..3, vectors 1, 3, 5, 7 that of 4..7;
// the other kernels transpose back. The placed encoding of the four vectors of a 16-byte column r keeps
// the bytes ggml gives them (X = ql[16r ..], Y = ql[16r + 32 ..], Z = qh[16r ..]) but holds levels 0..2
// whole, one per byte's low six bits, and level 3's bits 4-5, 2-3 and 0-1 in bits 6-7 of X, Y and Z:
// three levels then take one mask each and the fourth eight operations, 11 in all where ggml's nibbles
// and 2-bit fields take 17.

import { anchor, hsum } from '../common';
import { actOffset, minDot16 } from '../simd-dot';
import { groupSums, pairGroupSums, pairedScales, placedGroup, placedVector, scaledSums, scaledWideSums, storePlacedGroups, storePlacedLevels8, wideSums } from './placed16';
import { ACT_Q8_K } from '../unpacked';
import { d8At, dmin8At, mins8At, scales8At } from '../unpacked8';
import { halfAt, highNibbles, lowNibbles, scaleAt } from './block32';
import { dminsAt, minsAt, scalesAt, storeScaledLevels, superResult } from './superblock';
import { VI, byteBit, vi } from '../vconst';

/** The 6-bit level (0..63) of level vector k (0..3) of a 16-byte column: its nibbles, and qh bits 2k, 2k + 1. */
@inline
function level6(nibbles: v128, top: v128, k: i32, bits45: v128 = vi(VI.BYTE_0x30)): v128 {
  const high = v128.and(k < 2 ? i16x8.shl(top, 4 - (k << 1)) : k == 2 ? top : i16x8.shr_u(top, 2), bits45);
  return v128.or(nibbles, high);
}

/** Level vector t = 4r + k of half h of the super-block at `wb` in ggml's encoding (see the header). */
@inline
function ggmlLevelVector(wb: usize, h: i32, t: i32): v128 {
  const r = t >> 2;
  const k = t & 3;
  const q = v128.load(wb + (<usize>h << 6) + (<usize>(k & 1) << 5) + (<usize>r << 4));
  const top = v128.load(wb + 128 + (<usize>h << 5) + (<usize>r << 4));
  return level6(k < 2 ? lowNibbles(q) : highNibbles(q), top, k);
}

/**
 * Writes four level vectors (levels 0..63) as level vectors 4r + 0..3 of half h in ggml's encoding: the
 * nibbles into ql bytes 16r .. (low, high: k = 0, 2) and 16r + 32 .. (k = 1, 3), bits 4-5 into the 2-bit
 * fields of qh.
 */
@inline
function storeGgmlLevelVectors(wb: usize, h: i32, r: i32, l0: v128, l1: v128, l2: v128, l3: v128): void {
  const nibbles = vi(VI.NIBBLES);
  const bits45 = vi(VI.BYTE_0x30);
  const ql = wb + (<usize>h << 6) + (<usize>r << 4);
  v128.store(ql, v128.or(v128.and(l0, nibbles), i16x8.shl(v128.and(l2, nibbles), 4)));
  v128.store(ql, v128.or(v128.and(l1, nibbles), i16x8.shl(v128.and(l3, nibbles), 4)), 32);
  const f0 = i16x8.shr_u(v128.and(l0, bits45), 4);
  const f1 = i16x8.shr_u(v128.and(l1, bits45), 2);
  const f3 = i16x8.shl(v128.and(l3, bits45), 2);
  v128.store(wb + 128 + (<usize>h << 5) + (<usize>r << 4), v128.or(v128.or(f0, f1), v128.or(v128.and(l2, bits45), f3)));
}

/**
 * Level vector k (0..3) of a placed column from its bytes `x`, `y`, `z` (see the header): levels 0..2 the
 * low six bits of x, y, z; level 3 gathered from their bits 6-7 (x's as its bits 4-5, y's 2-3, z's 0-1) into
 * bits 2-7 of each byte and shifted down by two (bits 0-1 of every byte are clear then, so the i16 shift
 * brings nothing over from the byte above).
 */
@inline
function placedLevel(
  x: v128,
  y: v128,
  z: v128,
  k: i32,
  low6: v128 = vi(VI.BYTE_0x3F),
  top2: v128 = vi(VI.BYTE_0xC0),
  bits45: v128 = vi(VI.BYTE_0x30),
  bits23: v128 = vi(VI.BYTE_0x0C),
): v128 {
  if (k == 0) return v128.and(x, low6);
  if (k == 1) return v128.and(y, low6);
  if (k == 2) return v128.and(z, low6);
  const high = v128.or(v128.and(x, top2), v128.and(i16x8.shr_u(y, 2), bits45));
  return i16x8.shr_u(v128.or(high, v128.and(i16x8.shr_u(z, 4), bits23)), 2);
}

/** Level vector t = 4r + k of half h of the placed super-block at `wb`. */
@inline
function levelVector(wb: usize, h: i32, t: i32): v128 {
  const column = wb + (<usize>h << 6) + (<usize>(t >> 2) << 4);
  const top = wb + 128 + (<usize>h << 5) + (<usize>(t >> 2) << 4);
  return placedLevel(v128.load(column), v128.load(column, 32), v128.load(top), t & 3);
}

/** Writes four level vectors (levels 0..63) as the placed level vectors 4r + 0..3 of half h (see {@link placedLevel}). */
@inline
function storePlacedLevelVectors(wb: usize, h: i32, r: i32, l0: v128, l1: v128, l2: v128, l3: v128): void {
  const column = wb + (<usize>h << 6) + (<usize>r << 4);
  // level 3's bits 4-5, 2-3, 0-1 to bits 6-7 (the i16 shifts move only zeros across bytes)
  v128.store(column, v128.or(l0, i16x8.shl(v128.and(l3, vi(VI.BYTE_0x30)), 2)));
  v128.store(column, v128.or(l1, i16x8.shl(v128.and(l3, vi(VI.BYTE_0x0C)), 4)), 32);
  v128.store(wb + 128 + (<usize>h << 5) + (<usize>r << 4), v128.or(l2, i16x8.shl(v128.and(l3, vi(VI.BYTE_3)), 6)));
}

/**
 * Rearranges `blocks` Q6_K super-blocks at `w` into the placed order (see the header), or back when
 * `inverse`: per half, the eight level vectors decoded, their two 4 x 4 word transposes, encoded again.
 */
export function placeQ6K(w: usize, blocks: i32, inverse: bool): void {
  for (let b = 0; b < blocks; b++) {
    const wb = w + <usize>b * 210;
    for (let h = 0; h < 2; h++) {
      if (!inverse) {
        const v0 = ggmlLevelVector(wb, h, 0);
        const v1 = ggmlLevelVector(wb, h, 1);
        const v2 = ggmlLevelVector(wb, h, 2);
        const v3 = ggmlLevelVector(wb, h, 3);
        const v4 = ggmlLevelVector(wb, h, 4);
        const v5 = ggmlLevelVector(wb, h, 5);
        const v6 = ggmlLevelVector(wb, h, 6);
        const v7 = ggmlLevelVector(wb, h, 7);
        // placed vector t = 4r + k to level vector 4r + k
        storePlacedLevelVectors(wb, h, 0, placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 0), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 1), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 2), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 3));
        storePlacedLevelVectors(wb, h, 1, placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 4), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 5), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 6), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 7));
      } else {
        const v0 = levelVector(wb, h, 0);
        const v1 = levelVector(wb, h, 1);
        const v2 = levelVector(wb, h, 2);
        const v3 = levelVector(wb, h, 3);
        const v4 = levelVector(wb, h, 4);
        const v5 = levelVector(wb, h, 5);
        const v6 = levelVector(wb, h, 6);
        const v7 = levelVector(wb, h, 7);
        // group 2k + r back to vector 4r + k
        storeGgmlLevelVectors(wb, h, 0, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 0), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 2), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 4), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 6));
        storeGgmlLevelVectors(wb, h, 1, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 1), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 3), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 5), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 7));
      }
    }
  }
}

/** 32 * scale of the 16 groups as i16: groups 0..7 and 8..15. */
@inline
function offsetsLow(sc: v128): v128 {
  return i16x8.shl(i16x8.extend_low_i8x16_s(sc), 5);
}
@inline
function offsetsHigh(sc: v128): v128 {
  return i16x8.shl(i16x8.extend_high_i8x16_s(sc), 5);
}

/**
 * isum + the scaled sums of half h of a placed super-block (`ql`, `qh`: its level bytes; `s16`: the
 * half's eight scales as i16) with the placed activations at `e` (placed16.ts). Relaxed build: two level
 * vectors' pair sums per i16 lane at most (4 * 63 * 127 = 32004), so the scales multiply per column of
 * four vectors; VNNI build: i32 lanes per group over the half, scaled once; SIMD-128 build: i16 levels
 * and activations, four accumulators scaled once.
 */
@inline
function placedHalfSums(isum: v128, ql: usize, qh: usize, e: usize, s16: v128, low6: v128, top2: v128, bits45: v128, bits23: v128): v128 {
  const evenScales = pairedScales(s16, 0);
  const oddScales = pairedScales(s16, 1);
  const zero = i32x4.splat(0);
  let even = zero;
  let odd = zero;
  let g01 = zero;
  let g23 = zero;
  let g45 = zero;
  let g67 = zero;
  for (let r = 0; r < 2; r++) {
    const x = v128.load(ql);
    const y = v128.load(ql, 32);
    const top = v128.load(qh);
    // level vectors 4r + k, their activations at e + 16k (relaxed) or e + 32k (SIMD-128: i16, 32 bytes a vector)
    const l0 = placedLevel(x, y, top, 0, low6, top2, bits45, bits23);
    const l1 = placedLevel(x, y, top, 1, low6, top2, bits45, bits23);
    const l2 = placedLevel(x, y, top, 2, low6, top2, bits45, bits23);
    const l3 = placedLevel(x, y, top, 3, low6, top2, bits45, bits23);
    if (VNNI) {
      even = groupSums(even, l0, v128.load(e), l2, v128.load(e, 32));
      odd = groupSums(odd, l1, v128.load(e, 16), l3, v128.load(e, 48));
    } else if (RELAXED) {
      isum = scaledSums(isum, pairGroupSums(l0, v128.load(e), l2, v128.load(e, 32)), pairGroupSums(l1, v128.load(e, 16), l3, v128.load(e, 48)), evenScales, oddScales);
    } else {
      g01 = wideSums(g01, l0, v128.load(e), l2, v128.load(e, 64), 0);
      g23 = wideSums(g23, l0, v128.load(e, 16), l2, v128.load(e, 80), 1);
      g45 = wideSums(g45, l1, v128.load(e, 32), l3, v128.load(e, 96), 0);
      g67 = wideSums(g67, l1, v128.load(e, 48), l3, v128.load(e, 112), 1);
    }
    ql += 16;
    qh += 16;
    e += actOffset(64);
  }
  if (VNNI) return scaledSums(isum, even, odd, evenScales, oddScales);
  if (RELAXED) return isum;
  return scaledWideSums(isum, g01, g23, g45, g67, evenScales, oddScales);
}

/**
 * The integer sum of the placed super-block at `wb` with its placed activations at `ab`, its offsets
 * (32 * scale per group) times the record's group sums at `sums` subtracted: one scale d for both, so they
 * meet it once (lanes: any split of the sum).
 */
@inline
function placedSuperSums(wb: usize, ab: usize, sums: usize, low6: v128, top2: v128, bits45: v128, bits23: v128): v128 {
  const scv = v128.load(wb + 192);
  const s16lo = i16x8.extend_low_i8x16_s(scv);
  const s16hi = i16x8.extend_high_i8x16_s(scv);
  let isum = placedHalfSums(i32x4.splat(0), wb, wb + 128, ab, s16lo, low6, top2, bits45, bits23);
  anchor(isum);
  isum = placedHalfSums(isum, wb + 64, wb + 160, ab + actOffset(128), s16hi, low6, top2, bits45, bits23);
  return i32x4.sub(isum, minDot16(i16x8.shl(s16lo, 5), i16x8.shl(s16hi, 5), sums));
}

@final @unmanaged
export class Q6_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 210; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  /** Placed level vector t of half h (placed16.ts storePlacedGroups). */
  @inline levelVector(wb: usize, h: i32, t: i32): v128 {
    return levelVector(wb, h, t);
  }
  /** Signed scale of group g (0..15): scales[g]. */
  @inline groupScale(wb: usize, s: v128, g: i32): i32 {
    return load<i8>(wb + 192 + <usize>g);
  }
  /** Group g's 16 values (q - 32) * d * scale. */
  @inline storeValues(o: usize, levels: v128, wb: usize, s: v128, g: i32, d: f32, dmin: f32): void {
    storeScaledLevels(o, i8x16.sub(levels, byteBit(5)), d * <f32>load<i8>(wb + 192 + <usize>g));
  }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const ud = scalesAt(u, cols);
    const udmin = dminsAt(u, cols);
    const um = minsAt(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 210;
      const d = scaleAt(wb + 208);
      store<f32>(ud + (<usize>b << 2), d);
      store<f32>(udmin + (<usize>b << 2), d);
      const sc = wb + 192;
      const scv = v128.load(sc);
      v128.store(um + (<usize>b << 5), offsetsLow(scv));
      v128.store(um + (<usize>b << 5), offsetsHigh(scv), 16);
      storePlacedGroups(this, wb, scv, 0, 0, u + (<usize>b << 9), false);
    }
  }
  /**
   * One placed row times one Q8_K record whose levels are placed to match (activations.ts quantize_q8_K
   * option 4; see the header): per half, {@link placedHalfSums}; the offsets 32 * scale as mins.
   */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 210 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    // the loop's vector constants, loaded once per row (vconst.ts)
    const low6 = vi(VI.BYTE_0x3F);
    const top2 = vi(VI.BYTE_0xC0);
    const bits45 = vi(VI.BYTE_0x30);
    const bits23 = vi(VI.BYTE_0x0C);
    for (let b = 0; b < nbs; b++) {
      acc = superResult(acc, placedSuperSums(wb, ab, sums, low6, top2, bits45, bits23), scaleAt(wb + 208), load<f32>(das));
      wb += 210;
      ab += actOffset(256);
      das += 4;
      sums += 32;
    }
    return hsum(acc);
  }
  @inline get batch8(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  /** Unsigned levels for the relaxed batched product (unpacked8.ts layout), in ggml's order. */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const us = scales8At(u, cols);
    const ud = d8At(u, cols);
    const udmin = dmin8At(u, cols);
    const um = mins8At(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 210;
      const d = scaleAt(wb + 208);
      store<f32>(ud + (<usize>b << 2), d);
      store<f32>(udmin + (<usize>b << 2), d);
      const sc = wb + 192;
      const scv = v128.load(sc);
      v128.store(um + (<usize>b << 5), offsetsLow(scv));
      v128.store(um + (<usize>b << 5), offsetsHigh(scv), 16);
      v128.store(us + (<usize>b << 5), i16x8.extend_low_i8x16_s(scv));
      v128.store(us + (<usize>b << 5), i16x8.extend_high_i8x16_s(scv), 16);
      storePlacedLevels8(this, wb, u + (<usize>b << 8));
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 210;
      const d = halfAt(wb + 208);
      storePlacedGroups(this, wb, i32x4.splat(0), d, 0, dst + (<usize>b << 10), true);
    }
  }
}

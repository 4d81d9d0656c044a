// Q4_K: super-blocks of 256 values in 144 bytes: half d; half dmin; u8 scales[12] (6-bit scale and min
// per 32-value sub-block); u8 qs[128] (chunk c = qs[32c ..]: low nibbles -> values 64c + l, high -> 64c + 32 + l).
// x = (d * scale[s]) * q - (dmin * min[s])
//
// Placement: in wasm memory the 128 qs bytes of every super-block are rearranged when the weight is
// uploaded ({@link placeQ4K}; src/wasm/placement.ts): 16-byte vector k (0..7) of the placed qs holds, as
// its 4-byte word c, the bytes qs[32c + 4k .. 32c + 4k + 3]. Each word then belongs to one chunk, so the
// low nibbles of a vector are 4 values of each of the sub-blocks 0, 2, 4, 6 and the high nibbles 4 of
// each of 1, 3, 5, 7: the i16 pair sums of the relaxed decode product keep every sub-block in its own two
// lanes, add up over the whole super-block, and meet their scales in two multiplies per super-block
// instead of eight (activations placed to match: activations.ts quantize_q8_K option 3). Header bytes
// are unchanged; the other kernels read the original bytes back with {@link placedHalf}.

import { anchor, hsum, storeI8asI16Scaled } from '../common';
import { actOffset, dotAdd32, pairSumsOf } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import { storeTransposedWords, transposedWords } from '../transpose';
import { VI, vi } from '../vconst';
import { halfAt, highNibbles, lowNibbles, scaleAt } from './block32';
import {
  byteOf,
  dminsAt,
  foldPair,
  foldSums,
  minsAt,
  scalesAt,
  scalesK4,
  scalesK4v,
  storeMinsK4,
  storeScaledLevelsMinus,
  storeSubBlocks8,
  superGroupResultMins,
  superResultMins,
  superResultMins4,
} from './superblock';

/**
 * The original bytes qs[32c + 16h .. 32c + 16h + 15] (chunk c, half h) of a placed super-block whose qs
 * start at `qs`: words j = 0..3 sit at placed vector 4h + j, word c.
 */
@inline
export function placedHalf(qs: usize, c: i32, h: i32): v128 {
  const p = qs + (<usize>h << 6) + (<usize>c << 2);
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + 16, v, 1);
  v = v128.load32_lane(p + 32, v, 2);
  return v128.load32_lane(p + 48, v, 3);
}

/**
 * Rearranges the qs of `blocks` super-blocks at `w` into the placed order (see the header), or back when
 * `inverse`. Placed vector k < 4 is the transpose's row k of the chunks' first halves, k >= 4 of their
 * second halves; undoing it transposes those rows back.
 */
export function placeQ4K(w: usize, blocks: i32, inverse: bool): void {
  for (let b = 0; b < blocks; b++) placeQs(w + <usize>b * 144 + 16, inverse);
}

/**
 * The 128 level bytes at `qs` into the placed order, or back when `inverse` (Q4_K and Q5_K): placed
 * vectors 0..3 are the transpose of the chunks' first halves (ggml vectors 0, 2, 4, 6), 4..7 of their
 * second halves; transposing placed vectors 0..3 and 4..7 back gives the first and second halves.
 */
@inline
export function placeQs(qs: usize, inverse: bool): void {
  const v0 = v128.load(qs);
  const v1 = v128.load(qs, 16);
  const v2 = v128.load(qs, 32);
  const v3 = v128.load(qs, 48);
  const v4 = v128.load(qs, 64);
  const v5 = v128.load(qs, 80);
  const v6 = v128.load(qs, 96);
  const v7 = v128.load(qs, 112);
  if (!inverse) {
    storeTransposedWords(v0, v2, v4, v6, qs, 16);
    storeTransposedWords(v1, v3, v5, v7, qs + 64, 16);
  } else {
    storeTransposedWords(v0, v1, v2, v3, qs, 32);
    storeTransposedWords(v4, v5, v6, v7, qs + 16, 32);
  }
}

/** Mask of {@link placedSums}: scale bytes 0, 2, 4, 6 (low nibbles) or 1, 3, 5, 7 each in two i16 lanes. */
export const PLACED_SCALE_SPLATS: usize = memory.data<u8>([
  0, 128, 0, 128, 2, 128, 2, 128, 4, 128, 4, 128, 6, 128, 6, 128,
  1, 128, 1, 128, 3, 128, 3, 128, 5, 128, 5, 128, 7, 128, 7, 128,
], 16);

/** As {@link PLACED_SCALE_SPLATS} for i32 lanes (VNNI build): scale bytes 0, 2, 4, 6 and 1, 3, 5, 7. */
export const PLACED_SCALE_WORDS: usize = memory.data<u8>([
  0, 128, 128, 128, 2, 128, 128, 128, 4, 128, 128, 128, 6, 128, 128, 128,
  1, 128, 128, 128, 3, 128, 128, 128, 5, 128, 128, 128, 7, 128, 128, 128,
], 16);

/** Masks of the SIMD-128 decode product: scale bytes 0 0 2 2, 4 4 6 6, 1 1 3 3, 5 5 7 7 in i32 lanes. */
export const PLACED_SCALE_WORDS_128: usize = memory.data<u8>([
  0, 128, 128, 128, 0, 128, 128, 128, 2, 128, 128, 128, 2, 128, 128, 128,
  4, 128, 128, 128, 4, 128, 128, 128, 6, 128, 128, 128, 6, 128, 128, 128,
  1, 128, 128, 128, 1, 128, 128, 128, 3, 128, 128, 128, 3, 128, 128, 128,
  5, 128, 128, 128, 5, 128, 128, 128, 7, 128, 128, 128, 7, 128, 128, 128,
], 16);

/**
 * isum of one placed super-block (qs at `q`) with its placed activation levels at `e` (relaxed build):
 * lane c = scale[2c] * (sum of sub-block 2c) + scale[2c + 1] * (sum of sub-block 2c + 1). Each i16 lane of
 * `lo` / `hi` sums 16 products of at most 15 * 128 (30720: no overflow).
 */
@inline
function placedSums(q: usize, e: usize, sm: v128, nibbles: v128, maskLo: v128, maskHi: v128): v128 {
  if (VNNI) {
    // i32 lanes: each word of a vector is one sub-block, so lane c sums sub-block 2c (lo) or 2c + 1 (hi)
    let lo = i32x4.splat(0);
    let hi = i32x4.splat(0);
    for (let k = 0; k < 8; k += 2) {
      const v0 = v128.load(q);
      const v1 = v128.load(q, 16);
      lo = dotAdd32(lowNibbles(v0, nibbles), v128.load(e), lowNibbles(v1, nibbles), v128.load(e, 32), lo);
      hi = dotAdd32(highNibbles(v0, nibbles), v128.load(e, 16), highNibbles(v1, nibbles), v128.load(e, 48), hi);
      q += 32;
      e += 64;
    }
    return scaledSums(lo, hi, sm, maskLo, maskHi);
  }
  let lo = i16x8.splat(0);
  let hi = i16x8.splat(0);
  for (let k = 0; k < 8; k += 2) {
    const v0 = v128.load(q);
    const v1 = v128.load(q, 16);
    lo = i16x8.add(lo, i16x8.add(pairSumsOf(lowNibbles(v0, nibbles), v128.load(e)), pairSumsOf(lowNibbles(v1, nibbles), v128.load(e, 32))));
    hi = i16x8.add(hi, i16x8.add(pairSumsOf(highNibbles(v0, nibbles), v128.load(e, 16)), pairSumsOf(highNibbles(v1, nibbles), v128.load(e, 48))));
    q += 32;
    e += 64;
  }
  return scaledSums(lo, hi, sm, maskLo, maskHi);
}

/**
 * The integer sums of the placed super-block at `wb` with its placed activation levels at `ab` and the mins
 * with the record's sums at `sums`, folded ({@link foldSums}).
 */
@inline
function placedFold(wb: usize, ab: usize, sums: usize, nibbles: v128, lowMask: v128, highMask: v128, maskLo: v128, maskHi: v128): v128 {
  const sm = scalesK4v(wb + 4, lowMask, highMask);
  return foldSums(placedSums(wb + 16, ab, sm, nibbles, maskLo, maskHi), minSums(sm, sums));
}

/** The eight mins (bytes 8..15 of `sm`, {@link scalesK4v}) times the record's eight 32-value sums at `sums`. */
@inline
function minSums(sm: v128, sums: usize): v128 {
  return i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(sm), v128.load(sums));
}

/**
 * The folded sums of the placed super-blocks at `w0` and `w1` (two rows) with the same placed activations,
 * each activation load shared: [isum of w0, msum of w0, isum of w1, msum of w1] ({@link foldPair}), the
 * same integers as {@link placedFold} of each.
 */
@inline
function placedPairFold(w0: usize, w1: usize, ab: usize, sums: usize, nibbles: v128, lowMask: v128, highMask: v128, maskLo: v128, maskHi: v128): v128 {
  const sm0 = scalesK4v(w0 + 4, lowMask, highMask);
  const sm1 = scalesK4v(w1 + 4, lowMask, highMask);
  let lo0 = i32x4.splat(0);
  let hi0 = i32x4.splat(0);
  let lo1 = i32x4.splat(0);
  let hi1 = i32x4.splat(0);
  let q0 = w0 + 16;
  let q1 = w1 + 16;
  let e = ab;
  for (let k = 0; k < 8; k += 2) {
    const x0 = v128.load(e);
    const x1 = v128.load(e, 16);
    const x2 = v128.load(e, 32);
    const x3 = v128.load(e, 48);
    const u0 = v128.load(q0);
    const u1 = v128.load(q0, 16);
    const t0 = v128.load(q1);
    const t1 = v128.load(q1, 16);
    if (VNNI) {
      lo0 = dotAdd32(lowNibbles(u0, nibbles), x0, lowNibbles(u1, nibbles), x2, lo0);
      hi0 = dotAdd32(highNibbles(u0, nibbles), x1, highNibbles(u1, nibbles), x3, hi0);
      lo1 = dotAdd32(lowNibbles(t0, nibbles), x0, lowNibbles(t1, nibbles), x2, lo1);
      hi1 = dotAdd32(highNibbles(t0, nibbles), x1, highNibbles(t1, nibbles), x3, hi1);
    } else {
      lo0 = i16x8.add(lo0, i16x8.add(pairSumsOf(lowNibbles(u0, nibbles), x0), pairSumsOf(lowNibbles(u1, nibbles), x2)));
      hi0 = i16x8.add(hi0, i16x8.add(pairSumsOf(highNibbles(u0, nibbles), x1), pairSumsOf(highNibbles(u1, nibbles), x3)));
      lo1 = i16x8.add(lo1, i16x8.add(pairSumsOf(lowNibbles(t0, nibbles), x0), pairSumsOf(lowNibbles(t1, nibbles), x2)));
      hi1 = i16x8.add(hi1, i16x8.add(pairSumsOf(highNibbles(t0, nibbles), x1), pairSumsOf(highNibbles(t1, nibbles), x3)));
    }
    q0 += 32;
    q1 += 32;
    e += 64;
  }
  const f0 = foldSums(scaledSums(lo0, hi0, sm0, maskLo, maskHi), minSums(sm0, sums));
  const f1 = foldSums(scaledSums(lo1, hi1, sm1, maskLo, maskHi), minSums(sm1, sums));
  return foldPair(f0, f1);
}

/**
 * acc + row `r`'s (0 or 1) shares of four super-blocks from their {@link placedPairFold} sums u0 .. u3 (the
 * first `count`; the others zero), the row's first at `wb`: the same operations as {@link superGroupResultMins}.
 */
@inline
function pairGroupResult(acc: v128, u0: v128, u1: v128, u2: v128, u3: v128, r: i32, wb: usize, das: usize, count: i32): v128 {
  // u_j = [isum r0, msum r0, isum r1, msum r1] of super-block j; row r's isums and msums lane j = super-block j
  const a = r == 0 ? v128.shuffle<i32>(u0, u1, 0, 4, 1, 5) : v128.shuffle<i32>(u0, u1, 2, 6, 3, 7);
  const c = r == 0 ? v128.shuffle<i32>(u2, u3, 0, 4, 1, 5) : v128.shuffle<i32>(u2, u3, 2, 6, 3, 7);
  const isum = v128.shuffle<i32>(a, c, 0, 1, 4, 5);
  const msum = v128.shuffle<i32>(a, c, 2, 3, 6, 7);
  return superResultMins4(acc, isum, msum, wb, 144, das, count);
}

/**
 * acc + one placed super-block's share: `isum` (scaled sub-block sums) times d * da, minus the eight mins
 * (bytes 8..15 of `sm`) times the record's eight 32-value sums at `sums`, times dmin * da (d and dmin: the
 * halves at `wb` and `wb + 2`). Shared by the decode products of placed Q4_K and Q5_K.
 */
@inline
export function placedResult(acc: v128, isum: v128, sm: v128, sums: usize, wb: usize, da: f32): v128 {
  return superResultMins(acc, isum, minSums(sm, sums), scaleAt(wb) * da, scaleAt(wb + 2) * da);
}

/**
 * The SIMD-128 decode sums of a placed super-block (i32 lanes: sub-blocks 0/2 in `l01`, 4/6 in `l23`, 1/3 in
 * `h01`, 5/7 in `h23`) times their scales, spread from `sm` by the masks at {@link PLACED_SCALE_WORDS_128}.
 */
@inline
export function scaledSums128(l01: v128, l23: v128, h01: v128, h23: v128, sm: v128, s02: v128, s46: v128, s13: v128, s57: v128): v128 {
  return i32x4.add(
    i32x4.add(i32x4.mul(l01, i8x16.swizzle(sm, s02)), i32x4.mul(l23, i8x16.swizzle(sm, s46))),
    i32x4.add(i32x4.mul(h01, i8x16.swizzle(sm, s13)), i32x4.mul(h23, i8x16.swizzle(sm, s57))),
  );
}

/**
 * The sub-block sums of {@link placedSums} (`lo`: sub-blocks 0, 2, 4, 6; `hi`: 1, 3, 5, 7; i32 lanes in the
 * VNNI build, i16 lane pairs in the relaxed one) times their scales, lane c = sub-blocks 2c and 2c + 1.
 */
@inline
export function scaledSums(lo: v128, hi: v128, sm: v128, maskLo: v128, maskHi: v128): v128 {
  if (VNNI) return i32x4.add(i32x4.mul(lo, i8x16.relaxed_swizzle(sm, maskLo)), i32x4.mul(hi, i8x16.relaxed_swizzle(sm, maskHi)));
  return i32x4.add(
    i32x4.dot_i16x8_s(lo, i8x16.relaxed_swizzle(sm, maskLo)),
    i32x4.dot_i16x8_s(hi, i8x16.relaxed_swizzle(sm, maskHi)),
  );
}

/** Chunk c (halves `v0`, `v1` in ggml's order) as 32-value blocks b and b + 1 of an unpacked8 row. */
@inline
function storeChunk8(u: usize, np: i32, b: i32, sm: v128, c: i32, d: f32, dmin: f32, v0: v128, v1: v128): void {
  // sub-block 2c: the low nibbles of the chunk's 32 bytes; 2c + 1: the high nibbles
  storeSubBlocks8(u, np, b, sm, c, d, dmin, lowNibbles(v0), lowNibbles(v1), highNibbles(v0), highNibbles(v1), 0);
}

@final @unmanaged
export class Q4_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 144; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const ud = scalesAt(u, cols);
    const udmin = dminsAt(u, cols);
    const um = minsAt(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 144;
      store<f32>(ud + (<usize>b << 2), scaleAt(wb));
      store<f32>(udmin + (<usize>b << 2), scaleAt(wb + 2));
      const sm = scalesK4(wb + 4);
      storeMinsK4(um + (<usize>b << 5), sm);
      const scLo = <u32>i32x4.extract_lane(sm, 0);
      const scHi = <u32>i32x4.extract_lane(sm, 1);
      const ub = u + (<usize>b << 9);
      for (let c = 0; c < 4; c++) {
        const word = c < 2 ? scLo : scHi;
        const s0 = byteOf(word, (c & 1) << 1);
        const s1 = byteOf(word, ((c & 1) << 1) + 1);
        const v0 = placedHalf(wb + 16, c, 0);
        const v1 = placedHalf(wb + 16, c, 1);
        const o = ub + (<usize>c << 7);
        storeI8asI16Scaled(o, lowNibbles(v0), s0);
        storeI8asI16Scaled(o + 32, lowNibbles(v1), s0);
        storeI8asI16Scaled(o + 64, highNibbles(v0), s1);
        storeI8asI16Scaled(o + 96, highNibbles(v1), s1);
      }
    }
  }
  /**
   * One placed row times one Q8_K record whose levels and sums are placed to match (activations.ts
   * quantize_q8_K option 3; see the header): 8-bit levels and i16 pair sums in the relaxed build, i16
   * levels and i32 lane sums in the SIMD-128 build.
   */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 144 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    // the loop's vector constants, loaded once per row (vconst.ts)
    const nibbles = vi(VI.NIBBLES);
    const lowMask = vi(VI.K4_LOW_MASK);
    const highMask = vi(VI.K4_HIGH_MASK);
    if (RELAXED) {
      const maskLo = v128.load(VNNI ? PLACED_SCALE_WORDS : PLACED_SCALE_SPLATS);
      const maskHi = v128.load(VNNI ? PLACED_SCALE_WORDS : PLACED_SCALE_SPLATS, 16);
      let b = 0;
      for (; b + 4 <= nbs; b += 4) {
        const f0 = placedFold(wb, ab, sums, nibbles, lowMask, highMask, maskLo, maskHi);
        anchor(f0);
        const f1 = placedFold(wb + 144, ab + 256, sums + 32, nibbles, lowMask, highMask, maskLo, maskHi);
        anchor(f1);
        const f2 = placedFold(wb + 288, ab + 512, sums + 64, nibbles, lowMask, highMask, maskLo, maskHi);
        anchor(f2);
        const f3 = placedFold(wb + 432, ab + 768, sums + 96, nibbles, lowMask, highMask, maskLo, maskHi);
        acc = superGroupResultMins(acc, foldPair(f0, f1), foldPair(f2, f3), wb, 144, das, 4);
        wb += 576;
        ab += 1024;
        das += 16;
        sums += 128;
      }
      if (b < nbs) {
        // the last one to three super-blocks as a group with zero sums in the missing lanes
        const count = nbs - b;
        const zero = i32x4.splat(0);
        const f0 = placedFold(wb, ab, sums, nibbles, lowMask, highMask, maskLo, maskHi);
        const f1 = count > 1 ? placedFold(wb + 144, ab + 256, sums + 32, nibbles, lowMask, highMask, maskLo, maskHi) : zero;
        const f2 = count > 2 ? placedFold(wb + 288, ab + 512, sums + 64, nibbles, lowMask, highMask, maskLo, maskHi) : zero;
        acc = superGroupResultMins(acc, foldPair(f0, f1), foldPair(f2, zero), wb, 144, das, count);
      }
      return hsum(acc);
    }
    // SIMD-128: i16 levels placed as the relaxed build's 8-bit ones; each i32 lane of a product sums two
    // levels of one sub-block, so four accumulators (sub-blocks 0/2, 4/6, 1/3, 5/7) meet the scales once
    const s02 = v128.load(PLACED_SCALE_WORDS_128);
    const s46 = v128.load(PLACED_SCALE_WORDS_128, 16);
    const s13 = v128.load(PLACED_SCALE_WORDS_128, 32);
    const s57 = v128.load(PLACED_SCALE_WORDS_128, 48);
    for (let b = 0; b < nbs; b++) {
      const sm = scalesK4v(wb + 4, lowMask, highMask);
      let l01 = i32x4.splat(0);
      let l23 = i32x4.splat(0);
      let h01 = i32x4.splat(0);
      let h23 = i32x4.splat(0);
      let q = wb + 16;
      let e = ab;
      for (let k = 0; k < 8; k++) {
        const v = v128.load(q);
        const lo = lowNibbles(v, nibbles);
        const hi = highNibbles(v, nibbles);
        l01 = i32x4.add(l01, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(lo), v128.load(e)));
        l23 = i32x4.add(l23, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(lo), v128.load(e, 16)));
        h01 = i32x4.add(h01, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(hi), v128.load(e, 32)));
        h23 = i32x4.add(h23, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(hi), v128.load(e, 48)));
        q += 16;
        e += 64;
      }
      const isum = scaledSums128(l01, l23, h01, h23, sm, s02, s46, s13, s57);
      acc = placedResult(acc, isum, sm, sums, wb, load<f32>(das));
      wb += 144;
      ab += actOffset(256);
      das += 4;
      sums += 32;
    }
    return hsum(acc);
  }
  /**
   * Rows `w0` and `w1` times one Q8_K record, stored at `o0` and `o1`: each exactly as {@link dot1}
   * computes it (the same operations in the same order), the activations loaded once for both rows
   * (relaxed builds; the SIMD-128 build runs dot1 twice).
   */
  @inline dot2(w0: usize, w1: usize, a: usize, cols: i32, o0: usize, o1: usize): void {
    if (!RELAXED) {
      store<f32>(o0, this.dot1(w0, a, cols));
      store<f32>(o1, this.dot1(w1, a, cols));
      return;
    }
    const nbs = cols >> 8;
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let wb0 = w0;
    let wb1 = w1;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    const nibbles = vi(VI.NIBBLES);
    const lowMask = vi(VI.K4_LOW_MASK);
    const highMask = vi(VI.K4_HIGH_MASK);
    const maskLo = v128.load(VNNI ? PLACED_SCALE_WORDS : PLACED_SCALE_SPLATS);
    const maskHi = v128.load(VNNI ? PLACED_SCALE_WORDS : PLACED_SCALE_SPLATS, 16);
    let b = 0;
    for (; b + 4 <= nbs; b += 4) {
      const u0 = placedPairFold(wb0, wb1, ab, sums, nibbles, lowMask, highMask, maskLo, maskHi);
      anchor(u0);
      const u1 = placedPairFold(wb0 + 144, wb1 + 144, ab + 256, sums + 32, nibbles, lowMask, highMask, maskLo, maskHi);
      anchor(u1);
      const u2 = placedPairFold(wb0 + 288, wb1 + 288, ab + 512, sums + 64, nibbles, lowMask, highMask, maskLo, maskHi);
      anchor(u2);
      const u3 = placedPairFold(wb0 + 432, wb1 + 432, ab + 768, sums + 96, nibbles, lowMask, highMask, maskLo, maskHi);
      acc0 = pairGroupResult(acc0, u0, u1, u2, u3, 0, wb0, das, 4);
      acc1 = pairGroupResult(acc1, u0, u1, u2, u3, 1, wb1, das, 4);
      wb0 += 576;
      wb1 += 576;
      ab += 1024;
      das += 16;
      sums += 128;
    }
    if (b < nbs) {
      const count = nbs - b;
      const zero = i32x4.splat(0);
      const u0 = placedPairFold(wb0, wb1, ab, sums, nibbles, lowMask, highMask, maskLo, maskHi);
      const u1 = count > 1 ? placedPairFold(wb0 + 144, wb1 + 144, ab + 256, sums + 32, nibbles, lowMask, highMask, maskLo, maskHi) : zero;
      const u2 = count > 2 ? placedPairFold(wb0 + 288, wb1 + 288, ab + 512, sums + 64, nibbles, lowMask, highMask, maskLo, maskHi) : zero;
      acc0 = pairGroupResult(acc0, u0, u1, u2, zero, 0, wb0, das, count);
      acc1 = pairGroupResult(acc1, u0, u1, u2, zero, 1, wb1, das, count);
    }
    store<f32>(o0, hsum(acc0));
    store<f32>(o1, hsum(acc1));
  }
  @inline get batch8(): bool { return true; }
  /**
   * The relaxed batched product runs Q4_K as 32-value blocks: each sub-block is a Q4_1-like block with
   * scale d * scale[s] and offset -dmin * min[s] (both exact in f32), multiplied with Q8_K activations laid
   * out as 32-value records (activations.ts quantize_q8_K32r) by the two-row kernel of Q4_0 and Q4_1
   * (unpacked8.ts dot32x8Pair4): 4-bit levels leave the i16 pair sums room for a whole group of four blocks,
   * where the super-block kernel widens against the scale every 32 values.
   */
  @inline get batchBlocks32(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 4; }
  /** Unsigned levels, d and m per 32-value sub-block, for the relaxed batched product (unpacked8.ts layout). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const np = cols >> 5;
    for (let sb = 0; sb < nbs; sb++) {
      const wb = w + <usize>sb * 144;
      const d = scaleAt(wb);
      const dmin = scaleAt(wb + 2);
      const sm = scalesK4(wb + 4);
      // the chunks' 16-byte halves back in ggml's order: transposes of the placed vectors' words
      const qs = wb + 16;
      const p0 = v128.load(qs);
      const p1 = v128.load(qs, 16);
      const p2 = v128.load(qs, 32);
      const p3 = v128.load(qs, 48);
      const p4 = v128.load(qs, 64);
      const p5 = v128.load(qs, 80);
      const p6 = v128.load(qs, 96);
      const p7 = v128.load(qs, 112);
      const b0 = sb << 3;
      storeChunk8(u, np, b0, sm, 0, d, dmin, transposedWords(p0, p1, p2, p3, 0), transposedWords(p4, p5, p6, p7, 0));
      storeChunk8(u, np, b0 + 2, sm, 1, d, dmin, transposedWords(p0, p1, p2, p3, 1), transposedWords(p4, p5, p6, p7, 1));
      storeChunk8(u, np, b0 + 4, sm, 2, d, dmin, transposedWords(p0, p1, p2, p3, 2), transposedWords(p4, p5, p6, p7, 2));
      storeChunk8(u, np, b0 + 6, sm, 3, d, dmin, transposedWords(p0, p1, p2, p3, 3), transposedWords(p4, p5, p6, p7, 3));
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 144;
      const d = halfAt(wb);
      const dmin = halfAt(wb + 2);
      const sm = scalesK4(wb + 4);
      const y = dst + (<usize>b << 10);
      for (let c = 0; c < 4; c++) {
        const word = <u32>(c < 2 ? i32x4.extract_lane(sm, 0) : i32x4.extract_lane(sm, 1));
        const mword = <u32>(c < 2 ? i32x4.extract_lane(sm, 2) : i32x4.extract_lane(sm, 3));
        const j = (c & 1) << 1;
        const d1 = d * <f32>byteOf(word, j);
        const m1 = dmin * <f32>byteOf(mword, j);
        const d2 = d * <f32>byteOf(word, j + 1);
        const m2 = dmin * <f32>byteOf(mword, j + 1);
        const v0 = placedHalf(wb + 16, c, 0);
        const v1 = placedHalf(wb + 16, c, 1);
        const o = y + (<usize>c << 8);
        storeScaledLevelsMinus(o, lowNibbles(v0), d1, m1);
        storeScaledLevelsMinus(o + 64, lowNibbles(v1), d1, m1);
        storeScaledLevelsMinus(o + 128, highNibbles(v0), d2, m2);
        storeScaledLevelsMinus(o + 192, highNibbles(v1), d2, m2);
      }
    }
  }
}

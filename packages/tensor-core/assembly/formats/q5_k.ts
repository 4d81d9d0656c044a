// Q5_K: super-blocks of 256 values in 176 bytes: half d; half dmin; u8 scales[12] (as Q4_K); u8 qh[32]
// (bit 2c of qh[l] -> value 64c + l, bit 2c + 1 -> 64c + 32 + l); u8 qs[128] (low 4 bits, as Q4_K).
// x = (d * scale[s]) * q - (dmin * min[s])
//
// Placement (as Q4_K, formats/q4_k.ts): uploads rearrange qs as Q4_K's, and qh to match: placed qh vector j
// (bytes 16j ..) holds, in byte 4c + u, bits 2c and 2c + 1 of ggml's qh[16j + 4m + u] as its bits 2m and
// 2m + 1 (m = 0..3): the 5th bits of placed level vector k = 4j + m (word c, byte u), low nibble then high,
// so the decode loop takes them with the same two shifts per vector and moves on by 2 bits ({@link placeQh}).

import { hsum, storeI8asI16Scaled } from '../common';
import {
  PLACED_SCALE_SPLATS,
  PLACED_SCALE_WORDS,
  PLACED_SCALE_WORDS_128,
  placedHalf,
  placedResult,
  placeQs,
  scaledSums,
  scaledSums128,
} from './q4_k';
import { actOffset, pairSumsOf } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import { transposedWords } from '../transpose';
import { VI, vi } from '../vconst';
import {
  halfAt,
  highNibbles,
  lowNibbles,
  scaleAt,
} from './block32';
import {
  bitOf,
  byteOf,
  dminsAt,
  minsAt,
  scalesAt,
  scalesK4,
  scalesK4v,
  storeMinsK4,
  storeScaledLevelsMinus,
  storeSubBlocks8,
} from './superblock';

/**
 * Sixteen qh bytes `q` regrouped (see the header), or back (the regrouping is its own inverse): the 2-bit fields (bits 2i, 2i + 1)
 * of byte 4a + u move to bits 2a, 2a + 1 of byte 4i + u, a transpose of 4 x 4 fields per u, done as a
 * transpose of i32 words between the four vectors of each field position. The same steps undo it.
 */
@inline
export function placeQh(q: v128): v128 {
  const three = vi(VI.BYTE_3);
  // t_i: field i of every byte, as 0..3
  const t0 = v128.and(q, three);
  const t1 = v128.and(i16x8.shr_u(q, 2), three);
  const t2 = v128.and(i16x8.shr_u(q, 4), three);
  const t3 = v128.and(i16x8.shr_u(q, 6), three);
  // r_a = [t0.w_a, t1.w_a, t2.w_a, t3.w_a]: byte 4i + u of r_a is field i of byte 4a + u
  const r0 = transposedWords(t0, t1, t2, t3, 0);
  const r1 = transposedWords(t0, t1, t2, t3, 1);
  const r2 = transposedWords(t0, t1, t2, t3, 2);
  const r3 = transposedWords(t0, t1, t2, t3, 3);
  // field a of byte 4i + u: fields are 0..3, so the shifts never carry into the next byte
  return v128.or(v128.or(r0, i32x4.shl(r1, 2)), v128.or(i32x4.shl(r2, 4), i32x4.shl(r3, 6)));
}

/** Rearranges `blocks` Q5_K super-blocks at `w` into the placed order, or back when `inverse`. */
export function placeQ5K(w: usize, blocks: i32, inverse: bool): void {
  for (let b = 0; b < blocks; b++) {
    const wb = w + <usize>b * 176;
    v128.store(wb, placeQh(v128.load(wb, 16)), 16);
    v128.store(wb, placeQh(v128.load(wb, 32)), 32);
    placeQs(wb + 48, inverse);
  }
}

/** Nibbles plus 16 times bit `k` of `h`. */
@inline
function level5(nibbles: v128, h: v128, k: i32): v128 {
  return v128.or(nibbles, i16x8.shl(bitOf(h, k), 4));
}

/**
 * {@link level5} for bit `k` = 0 or 1 (the placed decode loop, whose qh vector shifts on by two bits per
 * level vector): the bit moved to bit 4 by one shift and the mask `bit4` (0x10 in every byte, hoisted by
 * the loop: vconst.ts), 3 operations instead of 4 (same values).
 */
@inline
function level5At(nibbles: v128, h: v128, k: i32, bit4: v128): v128 {
  return v128.or(nibbles, v128.and(i16x8.shl(h, 4 - k), bit4));
}

/**
 * Chunk c (halves `v0`, `v1` and 5th bits `h0`, `h1` in ggml's order) as 32-value blocks b and b + 1 of an
 * unpacked8 row.
 */
@inline
function storeChunk8Q5K(u: usize, np: i32, b: i32, sm: v128, c: i32, d: f32, dmin: f32, v0: v128, v1: v128, h0: v128, h1: v128): void {
  // sub-block 2c: the low nibbles of the chunk's 32 bytes with 5th bits 2c; 2c + 1: the high nibbles
  const lo0 = level5(lowNibbles(v0), h0, 2 * c);
  const lo1 = level5(lowNibbles(v1), h1, 2 * c);
  const hi0 = level5(highNibbles(v0), h0, 2 * c + 1);
  const hi1 = level5(highNibbles(v1), h1, 2 * c + 1);
  storeSubBlocks8(u, np, b, sm, c, d, dmin, lo0, lo1, hi0, hi1, 16);
}

@final @unmanaged
export class Q5_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 176; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const ud = scalesAt(u, cols);
    const udmin = dminsAt(u, cols);
    const um = minsAt(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 176;
      store<f32>(ud + (<usize>b << 2), scaleAt(wb));
      store<f32>(udmin + (<usize>b << 2), scaleAt(wb + 2));
      const sm = scalesK4(wb + 4);
      storeMinsK4(um + (<usize>b << 5), sm);
      const scLo = <u32>i32x4.extract_lane(sm, 0);
      const scHi = <u32>i32x4.extract_lane(sm, 1);
      const h0 = placeQh(v128.load(wb, 16));
      const h1 = placeQh(v128.load(wb, 32));
      const ub = u + (<usize>b << 9);
      for (let c = 0; c < 4; c++) {
        const word = c < 2 ? scLo : scHi;
        const s0 = byteOf(word, (c & 1) << 1);
        const s1 = byteOf(word, ((c & 1) << 1) + 1);
        const v0 = placedHalf(wb + 48, c, 0);
        const v1 = placedHalf(wb + 48, c, 1);
        const o = ub + (<usize>c << 7);
        storeI8asI16Scaled(o, level5(lowNibbles(v0), h0, 2 * c), s0);
        storeI8asI16Scaled(o + 32, level5(lowNibbles(v1), h1, 2 * c), s0);
        storeI8asI16Scaled(o + 64, level5(highNibbles(v0), h0, 2 * c + 1), s1);
        storeI8asI16Scaled(o + 96, level5(highNibbles(v1), h1, 2 * c + 1), s1);
      }
    }
  }
  /**
   * One placed row times one Q8_K record placed to match (activations.ts quantize_q8_K option 3, as Q4_K):
   * placed level vector k takes its 5th bits from bits 0 and 1 of qh vector k / 4 shifted right by 2(k % 4).
   * Relaxed build: i16 pair sums per sub-block lane, widened by the scales after each four vectors (5-bit
   * levels: 4 * 2 * 31 * 128 fits i16, 8 would not); VNNI build: i32 lanes over the whole super-block;
   * SIMD-128: i16 levels, four i32 accumulators (sub-blocks 0/2, 4/6, 1/3, 5/7).
   */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    const nibbles = vi(VI.NIBBLES);
    const lowMask = vi(VI.K4_LOW_MASK);
    const highMask = vi(VI.K4_HIGH_MASK);
    const bit4 = vi(VI.BYTE_BIT4);
    if (RELAXED) {
      const maskLo = v128.load(VNNI ? PLACED_SCALE_WORDS : PLACED_SCALE_SPLATS);
      const maskHi = v128.load(VNNI ? PLACED_SCALE_WORDS : PLACED_SCALE_SPLATS, 16);
      for (let b = 0; b < nbs; b++) {
        const sm = scalesK4v(wb + 4, lowMask, highMask);
        let q = wb + 48;
        let e = ab;
        let isum = i32x4.splat(0);
        let lo32 = i32x4.splat(0);
        let hi32 = i32x4.splat(0);
        for (let j = 0; j < 2; j++) {
          let g = v128.load(wb + 16 + (<usize>j << 4));
          let lo = i16x8.splat(0);
          let hi = i16x8.splat(0);
          for (let m = 0; m < 4; m++) {
            const v = v128.load(q);
            const l = level5At(lowNibbles(v, nibbles), g, 0, bit4);
            const h = level5At(highNibbles(v, nibbles), g, 1, bit4);
            if (VNNI) {
              lo32 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(e), l, lo32);
              hi32 = i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(e, 16), h, hi32);
            } else {
              lo = i16x8.add(lo, pairSumsOf(l, v128.load(e)));
              hi = i16x8.add(hi, pairSumsOf(h, v128.load(e, 16)));
            }
            g = i16x8.shr_u(g, 2);
            q += 16;
            e += 32;
          }
          if (!VNNI) isum = i32x4.add(isum, scaledSums(lo, hi, sm, maskLo, maskHi));
        }
        if (VNNI) isum = scaledSums(lo32, hi32, sm, maskLo, maskHi);
        acc = placedResult(acc, isum, sm, sums, wb, load<f32>(das));
        wb += 176;
        ab += 256;
        das += 4;
        sums += 32;
      }
      return hsum(acc);
    }
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
      let q = wb + 48;
      let e = ab;
      for (let j = 0; j < 2; j++) {
        let g = v128.load(wb + 16 + (<usize>j << 4));
        for (let m = 0; m < 4; m++) {
          const v = v128.load(q);
          const l = level5At(lowNibbles(v, nibbles), g, 0, bit4);
          const h = level5At(highNibbles(v, nibbles), g, 1, bit4);
          l01 = i32x4.add(l01, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(l), v128.load(e)));
          l23 = i32x4.add(l23, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(l), v128.load(e, 16)));
          h01 = i32x4.add(h01, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(h), v128.load(e, 32)));
          h23 = i32x4.add(h23, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(h), v128.load(e, 48)));
          g = i16x8.shr_u(g, 2);
          q += 16;
          e += 64;
        }
      }
      const isum = scaledSums128(l01, l23, h01, h23, sm, s02, s46, s13, s57);
      acc = placedResult(acc, isum, sm, sums, wb, load<f32>(das));
      wb += 176;
      ab += actOffset(256);
      das += 4;
      sums += 32;
    }
    return hsum(acc);
  }
  @inline get batch8(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 5; }
  /**
   * The relaxed batched product runs Q5_K as 32-value blocks, as Q4_K (formats/q4_k.ts): each sub-block a
   * Q5_1-like block with scale d * scale[s] and min -dmin * min[s], through the two-row kernel, its sums
   * taken as sums of (q - 16) * a (which fit in i16), the min as -dmin * min[s] + 16 d * scale[s].
   */
  @inline get batchBlocks32(): bool { return true; }
  @inline get batchOffsetShift(): i32 { return 4; }
  /** Unsigned levels, d and m + 16 d per 32-value sub-block, for the relaxed batched product (unpacked8.ts layout). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const np = cols >> 5;
    for (let sb = 0; sb < nbs; sb++) {
      const wb = w + <usize>sb * 176;
      const d = scaleAt(wb);
      const dmin = scaleAt(wb + 2);
      const sm = scalesK4(wb + 4);
      const h0 = placeQh(v128.load(wb, 16));
      const h1 = placeQh(v128.load(wb, 32));
      // the chunks' 16-byte halves back in ggml's order: transposes of the placed vectors' words
      const qs = wb + 48;
      const p0 = v128.load(qs);
      const p1 = v128.load(qs, 16);
      const p2 = v128.load(qs, 32);
      const p3 = v128.load(qs, 48);
      const p4 = v128.load(qs, 64);
      const p5 = v128.load(qs, 80);
      const p6 = v128.load(qs, 96);
      const p7 = v128.load(qs, 112);
      const b0 = sb << 3;
      storeChunk8Q5K(u, np, b0, sm, 0, d, dmin, transposedWords(p0, p1, p2, p3, 0), transposedWords(p4, p5, p6, p7, 0), h0, h1);
      storeChunk8Q5K(u, np, b0 + 2, sm, 1, d, dmin, transposedWords(p0, p1, p2, p3, 1), transposedWords(p4, p5, p6, p7, 1), h0, h1);
      storeChunk8Q5K(u, np, b0 + 4, sm, 2, d, dmin, transposedWords(p0, p1, p2, p3, 2), transposedWords(p4, p5, p6, p7, 2), h0, h1);
      storeChunk8Q5K(u, np, b0 + 6, sm, 3, d, dmin, transposedWords(p0, p1, p2, p3, 3), transposedWords(p4, p5, p6, p7, 3), h0, h1);
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 176;
      const d = halfAt(wb);
      const dmin = halfAt(wb + 2);
      const sm = scalesK4(wb + 4);
      const h0 = placeQh(v128.load(wb, 16));
      const h1 = placeQh(v128.load(wb, 32));
      const y = dst + (<usize>b << 10);
      for (let c = 0; c < 4; c++) {
        const word = <u32>(c < 2 ? i32x4.extract_lane(sm, 0) : i32x4.extract_lane(sm, 1));
        const mword = <u32>(c < 2 ? i32x4.extract_lane(sm, 2) : i32x4.extract_lane(sm, 3));
        const j = (c & 1) << 1;
        const d1 = d * <f32>byteOf(word, j);
        const m1 = dmin * <f32>byteOf(mword, j);
        const d2 = d * <f32>byteOf(word, j + 1);
        const m2 = dmin * <f32>byteOf(mword, j + 1);
        const v0 = placedHalf(wb + 48, c, 0);
        const v1 = placedHalf(wb + 48, c, 1);
        const o = y + (<usize>c << 8);
        storeScaledLevelsMinus(o, level5(lowNibbles(v0), h0, 2 * c), d1, m1);
        storeScaledLevelsMinus(o + 64, level5(lowNibbles(v1), h1, 2 * c), d1, m1);
        storeScaledLevelsMinus(o + 128, level5(highNibbles(v0), h0, 2 * c + 1), d2, m2);
        storeScaledLevelsMinus(o + 192, level5(highNibbles(v1), h1, 2 * c + 1), d2, m2);
      }
    }
  }
}

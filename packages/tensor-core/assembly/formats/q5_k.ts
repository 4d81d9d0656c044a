// Q5_K: super-blocks of 256 values in 176 bytes: half d; half dmin; u8 scales[12] (as Q4_K); u8 qh[32]
// (bit 2c of qh[l] -> value 64c + l, bit 2c + 1 -> 64c + 32 + l); u8 qs[128] (low 4 bits, as Q4_K).
// x = (d * scale[s]) * q - (dmin * min[s])

import { hsum, storeI8asI16Scaled } from '../common';
import { actOffset, dotU32ScaledV, minDot16 } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import {
  halfAt,
  highNibbles,
  lowNibbles,
  scaleAt,
} from './block32';
import {
  bitOf,
  bitTo,
  byteOf,
  dminsAt,
  minsAt,
  minsK4High,
  minsK4Low,
  scalesAt,
  SCALE_SPLATS,
  scaleSplat,
  scalesK4,
  scalesK4v,
  storeMinsK4,
  storeScaledLevelsMinus,
  superMins,
  superResult,
  storeSubBlocks8,
} from './superblock';

/** Nibbles plus 16 times bit `k` of `h`. */
@inline
function level5(nibbles: v128, h: v128, k: i32): v128 {
  return v128.or(nibbles, i16x8.shl(bitOf(h, k), 4));
}

/**
 * {@link level5} for a constant `k` (the decode loop): the bit moved to bit 4 by one shift and one mask
 * (superblock.ts bitTo), 3 operations instead of 4 (same values).
 */
@inline
function level5At(nibbles: v128, h: v128, k: i32): v128 {
  return v128.or(nibbles, bitTo(h, k, 4));
}

/**
 * isum + the scaled sums of one 64-value chunk (qs at `q`, 5th bits: bits 0 and 1 of h0/h1; scales: bytes
 * 0 and 1 of `sc`).
 */
@inline
function chunkQ5K(isum: v128, q: usize, e: usize, h0: v128, h1: v128, sc: v128): v128 {
  return chunkQ5KS(isum, q, e, h0, h1, scaleSplat(sc, 0), scaleSplat(sc, 1));
}

/** {@link chunkQ5K} with the chunk's two scales already spread over the lanes. */
@inline
function chunkQ5KS(isum: v128, q: usize, e: usize, h0: v128, h1: v128, s0: v128, s1: v128): v128 {
  const v0 = v128.load(q);
  const v1 = v128.load(q, 16);
  const l0 = level5At(lowNibbles(v0), h0, 0);
  const l1 = level5At(lowNibbles(v1), h1, 0);
  isum = dotU32ScaledV(l0, e, l1, e + actOffset(16), s0, isum);
  const u0 = level5At(highNibbles(v0), h0, 1);
  const u1 = level5At(highNibbles(v1), h1, 1);
  return dotU32ScaledV(u0, e + actOffset(32), u1, e + actOffset(48), s1, isum);
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
      const h0 = v128.load(wb, 16);
      const h1 = v128.load(wb, 32);
      const ub = u + (<usize>b << 9);
      for (let c = 0; c < 4; c++) {
        const word = c < 2 ? scLo : scHi;
        const s0 = byteOf(word, (c & 1) << 1);
        const s1 = byteOf(word, ((c & 1) << 1) + 1);
        const q = wb + 48 + (<usize>c << 5);
        const v0 = v128.load(q);
        const v1 = v128.load(q, 16);
        const o = ub + (<usize>c << 7);
        storeI8asI16Scaled(o, level5(lowNibbles(v0), h0, 2 * c), s0);
        storeI8asI16Scaled(o + 32, level5(lowNibbles(v1), h1, 2 * c), s0);
        storeI8asI16Scaled(o + 64, level5(highNibbles(v0), h0, 2 * c + 1), s1);
        storeI8asI16Scaled(o + 96, level5(highNibbles(v1), h1, 2 * c + 1), s1);
      }
    }
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 176 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    for (let b = 0; b < nbs; b++) {
      const sm = scalesK4v(wb + 4);
      // the four 64-value chunks as a loop, not unrolled (V8 would schedule an unrolled block's loads
      // first and spill them): scales shifted on by two bytes, the 5th bits by two bits per chunk
      let h0 = v128.load(wb, 16);
      let h1 = v128.load(wb, 32);
      let sc = sm;
      let q = wb + 48;
      let e = ab;
      let isum = i32x4.splat(0);
      if (RELAXED) {
        // the chunk's scales spread by constant masks (superblock.ts SCALE_SPLATS)
        let mp = SCALE_SPLATS;
        for (let c = 0; c < 4; c++) {
          isum = chunkQ5KS(isum, q, e, h0, h1, i8x16.relaxed_swizzle(sm, v128.load(mp)), i8x16.relaxed_swizzle(sm, v128.load(mp, 16)));
          h0 = i16x8.shr_u(h0, 2);
          h1 = i16x8.shr_u(h1, 2);
          mp += 32;
          q += 32;
          e += actOffset(64);
        }
      } else {
        for (let c = 0; c < 4; c++) {
          isum = chunkQ5K(isum, q, e, h0, h1, sc);
          sc = i8x16.shuffle(sc, sc, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1);
          h0 = i16x8.shr_u(h0, 2);
          h1 = i16x8.shr_u(h1, 2);
          q += 32;
          e += actOffset(64);
        }
      }
      const da = load<f32>(das);
      acc = superResult(acc, isum, scaleAt(wb), da);
      acc = superMins(acc, minDot16(minsK4Low(sm), minsK4High(sm), sums), scaleAt(wb + 2), da);
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
      const h0 = v128.load(wb, 16);
      const h1 = v128.load(wb, 32);
      for (let c = 0; c < 4; c++) {
        const q = wb + 48 + (<usize>c << 5);
        const v0 = v128.load(q);
        const v1 = v128.load(q, 16);
        // sub-block 2c: the low nibbles of the chunk's 32 bytes with 5th bits 2c; 2c + 1: the high nibbles
        const b = (sb << 3) + (c << 1);
        const lo0 = level5(lowNibbles(v0), h0, 2 * c);
        const lo1 = level5(lowNibbles(v1), h1, 2 * c);
        const hi0 = level5(highNibbles(v0), h0, 2 * c + 1);
        const hi1 = level5(highNibbles(v1), h1, 2 * c + 1);
        storeSubBlocks8(u, np, b, sm, c, d, dmin, lo0, lo1, hi0, hi1, 16);
      }
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 176;
      const d = halfAt(wb);
      const dmin = halfAt(wb + 2);
      const sm = scalesK4(wb + 4);
      const h0 = v128.load(wb, 16);
      const h1 = v128.load(wb, 32);
      const y = dst + (<usize>b << 10);
      for (let c = 0; c < 4; c++) {
        const word = <u32>(c < 2 ? i32x4.extract_lane(sm, 0) : i32x4.extract_lane(sm, 1));
        const mword = <u32>(c < 2 ? i32x4.extract_lane(sm, 2) : i32x4.extract_lane(sm, 3));
        const j = (c & 1) << 1;
        const d1 = d * <f32>byteOf(word, j);
        const m1 = dmin * <f32>byteOf(mword, j);
        const d2 = d * <f32>byteOf(word, j + 1);
        const m2 = dmin * <f32>byteOf(mword, j + 1);
        const q = wb + 48 + (<usize>c << 5);
        const v0 = v128.load(q);
        const v1 = v128.load(q, 16);
        const o = y + (<usize>c << 8);
        storeScaledLevelsMinus(o, level5(lowNibbles(v0), h0, 2 * c), d1, m1);
        storeScaledLevelsMinus(o + 64, level5(lowNibbles(v1), h1, 2 * c), d1, m1);
        storeScaledLevelsMinus(o + 128, level5(highNibbles(v0), h0, 2 * c + 1), d2, m2);
        storeScaledLevelsMinus(o + 192, level5(highNibbles(v1), h1, 2 * c + 1), d2, m2);
      }
    }
  }
}

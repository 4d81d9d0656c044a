// Q4_K: super-blocks of 256 values in 144 bytes: half d; half dmin; u8 scales[12] (6-bit scale and min
// per 32-value sub-block); u8 qs[128] (chunk c = qs[32c ..]: low nibbles -> values 64c + l, high -> 64c + 32 + l).
// x = (d * scale[s]) * q - (dmin * min[s])

import { hsum, storeI8asI16Scaled } from '../common';
import { actOffset, dotAdd32, dotU32ScaledV, minDot16 } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import { VI, vi } from '../vconst';
import {
  halfAt,
  highNibbles,
  lowNibbles,
  scaleAt,
} from './block32';
import {
  actLevels,
  actScale,
  actSums,
  byteOf,
  dminsAt,
  minsAt,
  minsK4High,
  minsK4Low,
  scalesAt,
  scaleSplat,
  scalesK4,
  scalesK4v,
  storeMinsK4,
  storeScaledLevelsMinus,
  superMins,
  superResult,
  SCALE_SPLATS,
  superResultMins,
  storeSubBlocks8,
} from './superblock';

/** isum + the scaled sums of one 64-value chunk: 32 bytes at `q` (low nibbles: scale byte j0 of `sm`, high: j1). */
@inline
function chunkQ4K(isum: v128, q: usize, e: usize, sm: v128, j0: i32, j1: i32, nibbles: v128): v128 {
  return chunkQ4KS(isum, q, e, scaleSplat(sm, j0), scaleSplat(sm, j1), nibbles);
}

/** {@link chunkQ4K} with the chunk's two scales already spread over the i16 lanes. */
@inline
function chunkQ4KS(isum: v128, q: usize, e: usize, s0: v128, s1: v128, nibbles: v128): v128 {
  const v0 = v128.load(q);
  const v1 = v128.load(q, 16);
  isum = dotU32ScaledV(lowNibbles(v0, nibbles), e, lowNibbles(v1, nibbles), e + actOffset(16), s0, isum);
  return dotU32ScaledV(highNibbles(v0, nibbles), e + actOffset(32), highNibbles(v1, nibbles), e + actOffset(48), s1, isum);
}

/** {@link chunkQ4KS} with the chunk's 64 activations already loaded (relaxed build only). */
@inline
function chunkQ4K2(
  isum: v128,
  q: usize,
  x0: v128,
  x1: v128,
  x2: v128,
  x3: v128,
  s0: v128,
  s1: v128,
  nibbles: v128,
): v128 {
  const v0 = v128.load(q);
  const v1 = v128.load(q, 16);
  if (VNNI) {
    // i32 lane sums (at most 8 * 15 * 127), multiplied by scales in the low i16 of each lane (SCALE_SPLATS)
    const t0 = dotAdd32(lowNibbles(v0, nibbles), x0, lowNibbles(v1, nibbles), x1, i32x4.splat(0));
    isum = i32x4.add(isum, i32x4.dot_i16x8_s(t0, s0));
    const t1 = dotAdd32(highNibbles(v0, nibbles), x2, highNibbles(v1, nibbles), x3, i32x4.splat(0));
    return i32x4.add(isum, i32x4.dot_i16x8_s(t1, s1));
  }
  const p0 = i16x8.add(
    i16x8.relaxed_dot_i8x16_i7x16_s(x0, lowNibbles(v0, nibbles)),
    i16x8.relaxed_dot_i8x16_i7x16_s(x1, lowNibbles(v1, nibbles)),
  );
  isum = i32x4.add(isum, i32x4.dot_i16x8_s(p0, s0));
  const p1 = i16x8.add(
    i16x8.relaxed_dot_i8x16_i7x16_s(x2, highNibbles(v0, nibbles)),
    i16x8.relaxed_dot_i8x16_i7x16_s(x3, highNibbles(v1, nibbles)),
  );
  return i32x4.add(isum, i32x4.dot_i16x8_s(p1, s1));
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
        const q = wb + 16 + (<usize>c << 5);
        const v0 = v128.load(q);
        const v1 = v128.load(q, 16);
        const o = ub + (<usize>c << 7);
        storeI8asI16Scaled(o, lowNibbles(v0), s0);
        storeI8asI16Scaled(o + 32, lowNibbles(v1), s0);
        storeI8asI16Scaled(o + 64, highNibbles(v0), s1);
        storeI8asI16Scaled(o + 96, highNibbles(v1), s1);
      }
    }
  }
  /** One row times one Q8_K record: unpacked.ts dotK1 on the unpacked row, fused (no unpacking pass). */
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
    for (let b = 0; b < nbs; b++) {
      const sm = scalesK4v(wb + 4, lowMask, highMask);
      // the four 64-value chunks as a loop, not unrolled: V8 would schedule an unrolled block's loads
      // first and spill them; the chunk's two scales are spread by the masks at `mp` (relaxed build), or
      // are bytes 0 and 1 of `sc`, shifted on per chunk (SIMD-128: its swizzle of a loaded mask costs more)
      let isum = i32x4.splat(0);
      let q = wb + 16;
      let e = ab;
      if (RELAXED) {
        let mp = SCALE_SPLATS;
        for (let c = 0; c < 4; c++) {
          isum = chunkQ4KS(isum, q, e, i8x16.relaxed_swizzle(sm, v128.load(mp)), i8x16.relaxed_swizzle(sm, v128.load(mp, 16)), nibbles);
          mp += 32;
          q += 32;
          e += actOffset(64);
        }
      } else {
        let sc = sm;
        for (let c = 0; c < 4; c++) {
          isum = chunkQ4K(isum, q, e, sc, 0, 1, nibbles);
          sc = i8x16.shuffle(sc, sc, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1);
          q += 32;
          e += actOffset(64);
        }
      }
      const msum = minDot16(minsK4Low(sm), minsK4High(sm), sums);
      const da = load<f32>(das);
      acc = superResultMins(acc, isum, msum, scaleAt(wb) * da, scaleAt(wb + 2) * da);
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
   * (relaxed build; the SIMD-128 build runs dot1 twice).
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
    const nibbles = vi(VI.NIBBLES);
    const lowMask = vi(VI.K4_LOW_MASK);
    const highMask = vi(VI.K4_HIGH_MASK);
    for (let b = 0; b < nbs; b++) {
      const wb0 = w0 + <usize>b * 144;
      const wb1 = w1 + <usize>b * 144;
      const sm0 = scalesK4v(wb0 + 4, lowMask, highMask);
      const sm1 = scalesK4v(wb1 + 4, lowMask, highMask);
      let isum0 = i32x4.splat(0);
      let isum1 = i32x4.splat(0);
      let q0 = wb0 + 16;
      let q1 = wb1 + 16;
      let e = actLevels(a, b);
      let mp = SCALE_SPLATS;
      for (let c = 0; c < 4; c++) {
        const x0 = v128.load(e);
        const x1 = v128.load(e, 16);
        const x2 = v128.load(e, 32);
        const x3 = v128.load(e, 48);
        const m0 = v128.load(mp);
        const m1 = v128.load(mp, 16);
        isum0 = chunkQ4K2(isum0, q0, x0, x1, x2, x3, i8x16.relaxed_swizzle(sm0, m0), i8x16.relaxed_swizzle(sm0, m1), nibbles);
        isum1 = chunkQ4K2(isum1, q1, x0, x1, x2, x3, i8x16.relaxed_swizzle(sm1, m0), i8x16.relaxed_swizzle(sm1, m1), nibbles);
        mp += 32;
        q0 += 32;
        q1 += 32;
        e += 64;
      }
      const sums = actSums(a, cols, b);
      const da = actScale(a, cols, b);
      const msum0 = minDot16(minsK4Low(sm0), minsK4High(sm0), sums);
      const msum1 = minDot16(minsK4Low(sm1), minsK4High(sm1), sums);
      acc0 = superResultMins(acc0, isum0, msum0, scaleAt(wb0) * da, scaleAt(wb0 + 2) * da);
      acc1 = superResultMins(acc1, isum1, msum1, scaleAt(wb1) * da, scaleAt(wb1 + 2) * da);
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
      for (let c = 0; c < 4; c++) {
        const q = wb + 16 + (<usize>c << 5);
        const v0 = v128.load(q);
        const v1 = v128.load(q, 16);
        // sub-block 2c: the low nibbles of the chunk's 32 bytes; 2c + 1: the high nibbles
        const b = (sb << 3) + (c << 1);
        storeSubBlocks8(u, np, b, sm, c, d, dmin, lowNibbles(v0), lowNibbles(v1), highNibbles(v0), highNibbles(v1), 0);
      }
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
        const q = wb + 16 + (<usize>c << 5);
        const v0 = v128.load(q);
        const v1 = v128.load(q, 16);
        const o = y + (<usize>c << 8);
        storeScaledLevelsMinus(o, lowNibbles(v0), d1, m1);
        storeScaledLevelsMinus(o + 64, lowNibbles(v1), d1, m1);
        storeScaledLevelsMinus(o + 128, highNibbles(v0), d2, m2);
        storeScaledLevelsMinus(o + 192, highNibbles(v1), d2, m2);
      }
    }
  }
}

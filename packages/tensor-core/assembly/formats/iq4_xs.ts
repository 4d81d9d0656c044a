// IQ4_XS: super-blocks of 256 values in 136 bytes: half d; u16 scales_h (bits 2s..2s+1 = high bits of
// scale s); u8 scales_l[4] (nibble s % 2 of byte s / 2 = low bits of scale s); u8 qs[128] (sub-block s:
// qs[16s ..] as IQ4_NL).  x = (d * (scale[s] - 32)) * KVALUES[q]

import { hsum, storeI8asI16Scaled } from '../common';
import { actOffset, dotS16, dotSplit32, signedActOffset, signedPairSums } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import { VI, vi } from '../vconst';
import {
  halfAt,
  highNibbles,
  lookup16,
  lowNibbles,
  scaleAt,
} from './block32';
import { iq4Levels } from './iq4_nl';
import { scalesAt, storeScaledLevels, superResult } from './superblock';

/** Signed scale of sub-block s (0..7). */
@inline
function scaleXs(wb: usize, s: i32): i32 {
  const high = (<i32>load<u16>(wb, 2) >> (s << 1)) & 3;
  const low = (<i32>load<u8>(wb + 4 + (s >> 1)) >> ((s & 1) << 2)) & 0x0f;
  return (low | (high << 4)) - 32;
}

/**
 * The eight signed sub-block scales of the super-block at `wb` as i16 lanes (lane s: {@link scaleXs}(wb, s)),
 * from one 8-byte load: the 2 high bits of lane s are bits 2s..2s+1 of scales_h, moved to the top of the
 * lane by a multiply by 2^(14 - 2s) and down by a shift; the 4 low bits likewise from scales_l's nibble s.
 * In the decode loop (the current sub-block's scale kept in lane 0) this replaced eight scalar
 * extractions per super-block, which Node 24's V8 made the loop's bottleneck: decode per core 1.5-1.9x
 * in the VNNI build, 1.22-1.25x in the relaxed one, 1.09-1.10x SIMD-128; Node 20, whose scalar code ran
 * beside the vector work, 0.94-0.98x.
 */
@inline
function scalesXs(wb: usize): v128 {
  const v = v128.load64_zero(wb); // d (bytes 0-1), scales_h (2-3), scales_l (4-7)
  const h = i8x16.shuffle(v, v, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
  const l = i8x16.shuffle(v, v, 4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7);
  const high = i16x8.shr_u(i16x8.mul(h, vi(VI.XS_HIGH_MULS)), 14);
  const low = i16x8.shr_u(i16x8.mul(l, vi(VI.XS_LOW_MULS)), 12);
  return i16x8.sub(v128.or(low, i16x8.shl(high, 4)), vi(VI.I16_32));
}

/** Lane 0 of the i16 lanes `v` in every lane. */
@inline
function firstI16(v: v128): v128 {
  return i8x16.shuffle(v, v, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
}

/** The i16 lanes `v` moved down one lane (lane 0 to the top). */
@inline
function nextI16(v: v128): v128 {
  return i8x16.shuffle(v, v, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1);
}

@final @unmanaged
export class Iq4XsFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 136; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const ud = scalesAt(u, cols);
    const kv = iq4Levels();
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 136;
      store<f32>(ud + (<usize>b << 2), scaleAt(wb));
      const ub = u + (<usize>b << 9);
      for (let s = 0; s < 8; s++) {
        const v = v128.load(wb + 8 + (<usize>s << 4));
        const sc = scaleXs(wb, s);
        storeI8asI16Scaled(ub + (<usize>s << 6), lookup16(kv, lowNibbles(v)), sc);
        storeI8asI16Scaled(ub + (<usize>s << 6) + 32, lookup16(kv, highNibbles(v)), sc);
      }
    }
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    const kv = iq4Levels();
    // the loop's vector constants, loaded once per row (vconst.ts)
    const nibbles = vi(VI.NIBBLES);
    const ones = vi(VI.I16_ONES);
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 136 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    for (let b = 0; b < nbs; b++) {
      let isum = i32x4.splat(0);
      // the scales in i16 lanes, the current sub-block's in lane 0 (moved down one lane per sub-block)
      let scales = scalesXs(wb);
      for (let s = 0; s < 8; s++) {
        const v = v128.load(wb + 8 + (<usize>s << 4));
        const sc = firstI16(scales);
        scales = nextI16(scales);
        const e = ab + signedActOffset(s << 5);
        if (RELAXED && !VNNI) {
          // the scale rides in the widening multiply of the i16 pair sums (in place of ones): the same
          // lane sums as the multiply of the widened sums below, without it
          const low = i32x4.dot_i16x8_s(signedPairSums(lookup16(kv, lowNibbles(v, nibbles)), v128.load(e)), sc);
          const high = i32x4.dot_i16x8_s(signedPairSums(lookup16(kv, highNibbles(v, nibbles)), v128.load(e, 16)), sc);
          isum = i32x4.add(isum, i32x4.add(low, high));
        } else {
          // VNNI: activations split by sign (activations.ts quantizeSplit32); SIMD-128: i16 activations
          const part = VNNI
            ? dotSplit32(lookup16(kv, lowNibbles(v, nibbles)), lookup16(kv, highNibbles(v, nibbles)), e)
            : dotS16(lookup16(kv, highNibbles(v, nibbles)), e + actOffset(16), dotS16(lookup16(kv, lowNibbles(v, nibbles)), e, i32x4.splat(0), ones), ones);
          isum = i32x4.add(isum, i32x4.mul(part, i32x4.extend_low_i16x8_s(sc)));
        }
      }
      acc = superResult(acc, isum, scaleAt(wb), load<f32>(das));
      wb += 136;
      ab += signedActOffset(256);
      das += 4;
    }
    return hsum(acc);
  }
  @inline get batch8(): bool { return false; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unreachable();
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    const kv = iq4Levels();
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 136;
      const d = halfAt(wb);
      const y = dst + (<usize>b << 10);
      for (let s = 0; s < 8; s++) {
        const v = v128.load(wb + 8 + (<usize>s << 4));
        const dl = d * <f32>scaleXs(wb, s);
        storeScaledLevels(y + (<usize>s << 7), lookup16(kv, lowNibbles(v)), dl);
        storeScaledLevels(y + (<usize>s << 7) + 64, lookup16(kv, highNibbles(v)), dl);
      }
    }
  }
}

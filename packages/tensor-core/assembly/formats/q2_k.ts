// Q2_K: super-blocks of 256 values in 84 bytes: u8 scales[16] (low nibble scale, high nibble min, per 16
// values); u8 qs[64] (value 128h + 32k + l = bits 2k..2k+1 of qs[32h + l]); half d; half dmin.
// x = (d * scale[s]) * q - (dmin * min[s])

import { hsum, storeI8asI16Scaled } from '../common';
import { actOffset, dotU16Scaled, minDot16 } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import { d8At, dmin8At, mins8At, scales8At } from '../unpacked8';
import {
  halfAt,
  scaleAt,
} from './block32';
import {
  crumbAt,
  crumbOf,
  dminsAt,
  minsAt,
  scalesAt,
  storeScaledLevelsMinus,
  superMins,
  superResult,
} from './superblock';
import { VI, vi } from '../vconst';

/** The 16 mins (high nibbles of the scale bytes) as i16: groups 0..7 and 8..15. */
@inline
function minsLow(sm: v128): v128 {
  return i16x8.extend_low_i8x16_u(v128.and(i16x8.shr_u(sm, 4), vi(VI.NIBBLES)));
}
@inline
function minsHigh(sm: v128): v128 {
  return i16x8.extend_high_i8x16_u(v128.and(i16x8.shr_u(sm, 4), vi(VI.NIBBLES)));
}

/** isum + the scaled sums of the four groups k = 0..3 of one (h, r) quarter (scale bytes sc, sc + 2, ...). */
@inline
function quadQ2(isum: v128, q: v128, e: usize, sc: usize): v128 {
  isum = dotU16Scaled(crumbAt(q, 0), e, load<u8>(sc) & 0x0f, isum);
  isum = dotU16Scaled(crumbAt(q, 1), e + actOffset(32), load<u8>(sc, 2) & 0x0f, isum);
  isum = dotU16Scaled(crumbAt(q, 2), e + actOffset(64), load<u8>(sc, 4) & 0x0f, isum);
  return dotU16Scaled(crumbAt(q, 3), e + actOffset(96), load<u8>(sc, 6) & 0x0f, isum);
}

@final @unmanaged
export class Q2_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 84; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const ud = scalesAt(u, cols);
    const udmin = dminsAt(u, cols);
    const um = minsAt(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 84;
      store<f32>(ud + (<usize>b << 2), scaleAt(wb + 80));
      store<f32>(udmin + (<usize>b << 2), scaleAt(wb + 82));
      const sm = v128.load(wb);
      v128.store(um + (<usize>b << 5), minsLow(sm));
      v128.store(um + (<usize>b << 5), minsHigh(sm), 16);
      const ub = u + (<usize>b << 9);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const q = v128.load(wb + 16 + (<usize>h << 5) + (<usize>r << 4));
          for (let k = 0; k < 4; k++) {
            const g = (h << 3) + (k << 1) + r;
            storeI8asI16Scaled(ub + (<usize>g << 5), crumbOf(q, k), load<u8>(wb + g) & 0x0f);
          }
        }
      }
    }
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 84 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    for (let b = 0; b < nbs; b++) {
      // the (h, r) quarters (groups g = 8h + 2k + r) as loops, not unrolled: V8 would schedule an
      // unrolled block's loads first and spill them
      let isum = i32x4.splat(0);
      let q = wb + 16;
      let e = ab;
      let sc = wb;
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          isum = quadQ2(isum, v128.load(q), e, sc);
          q += 16;
          e += actOffset(16);
          sc += 1;
        }
        e += actOffset(96);
        sc += 6;
      }
      const da = load<f32>(das);
      const sm = v128.load(wb);
      acc = superResult(acc, isum, scaleAt(wb + 80), da);
      acc = superMins(acc, minDot16(minsLow(sm), minsHigh(sm), sums), scaleAt(wb + 82), da);
      wb += 84;
      ab += actOffset(256);
      das += 4;
      sums += 32;
    }
    return hsum(acc);
  }
  @inline get batch8(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  /** Unsigned levels for the relaxed batched product (unpacked8.ts layout). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const us = scales8At(u, cols);
    const ud = d8At(u, cols);
    const udmin = dmin8At(u, cols);
    const um = mins8At(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 84;
      store<f32>(ud + (<usize>b << 2), scaleAt(wb + 80));
      store<f32>(udmin + (<usize>b << 2), scaleAt(wb + 82));
      const sm = v128.load(wb);
      v128.store(um + (<usize>b << 5), minsLow(sm));
      v128.store(um + (<usize>b << 5), minsHigh(sm), 16);
      const scl = v128.and(sm, vi(VI.NIBBLES));
      v128.store(us + (<usize>b << 5), i16x8.extend_low_i8x16_u(scl));
      v128.store(us + (<usize>b << 5), i16x8.extend_high_i8x16_u(scl), 16);
      const ub = u + (<usize>b << 8);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const q = v128.load(wb + 16 + (<usize>h << 5) + (<usize>r << 4));
          for (let k = 0; k < 4; k++) {
            const g = (h << 3) + (k << 1) + r;
            v128.store(ub + (<usize>g << 4), crumbOf(q, k));
          }
        }
      }
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 84;
      const d = halfAt(wb + 80);
      const dmin = halfAt(wb + 82);
      const y = dst + (<usize>b << 10);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const q = v128.load(wb + 16 + (<usize>h << 5) + (<usize>r << 4));
          for (let k = 0; k < 4; k++) {
            const g = (h << 3) + (k << 1) + r;
            const sc = load<u8>(wb + g);
            storeScaledLevelsMinus(y + (<usize>g << 6), crumbOf(q, k), d * <f32>(sc & 0x0f), dmin * <f32>(sc >> 4));
          }
        }
      }
    }
  }
}

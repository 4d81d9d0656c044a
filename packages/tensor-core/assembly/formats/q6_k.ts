// Q6_K: super-blocks of 256 values in 210 bytes: u8 ql[128] (low 4 bits); u8 qh[64] (high 2 bits);
// i8 scales[16] (one per 16 values); half d.  Half h (128 values) uses ql[64h ..] and qh[32h ..]:
//   value 128h + l      = ql[l] low    | qh[l] bits 0-1      (l = 0..31)
//   value 128h + l + 32 = ql[l+32] low | qh[l] bits 2-3
//   value 128h + l + 64 = ql[l] high   | qh[l] bits 4-5
//   value 128h + l + 96 = ql[l+32] high| qh[l] bits 6-7
// x = (d * scale[s]) * (q - 32), computed as d * (scale * q) - d * (32 * scale): unsigned 6-bit levels
// (for the relaxed dot) and the offset as a "min" of each 16-value group.

import { hsum, storeI8asI16Scaled } from '../common';
import { actOffset, dotU16Scaled, minDot16 } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import { d8At, dmin8At, mins8At, scales8At } from '../unpacked8';
import {
  halfAt,
  highNibbles,
  lowNibbles,
  scaleAt,
} from './block32';
import {
  dminsAt,
  minsAt,
  scalesAt,
  storeScaledLevels,
  superMins,
  superResult,
} from './superblock';
import { VI, byteBit, vi } from '../vconst';

/** The 6-bit level (0..63) of values l .. l + 15 (+0, +32, +64, +96 for k = 0..3) from nibbles and qh. */
@inline
function level6(nibbles: v128, top: v128, k: i32, bits45: v128 = vi(VI.BYTE_0x30)): v128 {
  const high = v128.and(k < 2 ? i16x8.shl(top, 4 - (k << 1)) : k == 2 ? top : i16x8.shr_u(top, 2), bits45);
  return v128.or(nibbles, high);
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
 * isum + the scaled sums of values l .. l + 15 (+0, +32, +64, +96) of one half: low bits at `ql` and
 * `ql + 32`, high bits at `qh`, scales at `sc`, `sc + 2`, `sc + 4`, `sc + 6`, activations from `e`.
 */
@inline
function quarterQ6K(isum: v128, ql: usize, qh: usize, sc: usize, e: usize, nibbles: v128, bits45: v128): v128 {
  const x = v128.load(ql);
  const y = v128.load(ql, 32);
  const top = v128.load(qh);
  isum = dotU16Scaled(level6(lowNibbles(x, nibbles), top, 0, bits45), e, load<i8>(sc), isum);
  isum = dotU16Scaled(level6(lowNibbles(y, nibbles), top, 1, bits45), e + actOffset(32), load<i8>(sc, 2), isum);
  isum = dotU16Scaled(level6(highNibbles(x, nibbles), top, 2, bits45), e + actOffset(64), load<i8>(sc, 4), isum);
  return dotU16Scaled(level6(highNibbles(y, nibbles), top, 3, bits45), e + actOffset(96), load<i8>(sc, 6), isum);
}

@final @unmanaged
export class Q6_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 210; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
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
      const ub = u + (<usize>b << 9);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const ql = wb + (<usize>h << 6) + (<usize>r << 4);
          const a = v128.load(ql);
          const c = v128.load(ql, 32);
          const top = v128.load(wb + 128 + (<usize>h << 5) + (<usize>r << 4));
          const g = (h << 3) + r;
          const o = ub + (<usize>h << 8) + (<usize>r << 5);
          storeI8asI16Scaled(o, level6(lowNibbles(a), top, 0), load<i8>(sc + g));
          storeI8asI16Scaled(o + 64, level6(lowNibbles(c), top, 1), load<i8>(sc + g + 2));
          storeI8asI16Scaled(o + 128, level6(highNibbles(a), top, 2), load<i8>(sc + g + 4));
          storeI8asI16Scaled(o + 192, level6(highNibbles(c), top, 3), load<i8>(sc + g + 6));
        }
      }
    }
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 210 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    // the loop's vector constants, loaded once per row (vconst.ts)
    const nibbles = vi(VI.NIBBLES);
    const bits45 = vi(VI.BYTE_0x30);
    for (let b = 0; b < nbs; b++) {
      const sc = wb + 192;
      // the two halves h times the two 16-value column groups r (groups 8h + r + 0, 2, 4, 6) as loops,
      // not unrolled: V8 would schedule an unrolled block's loads first and spill them
      let isum = i32x4.splat(0);
      let ql = wb;
      let qh = wb + 128;
      let sg = sc;
      let e = ab;
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          isum = quarterQ6K(isum, ql, qh, sg, e, nibbles, bits45);
          ql += 16;
          qh += 16;
          sg += 1;
          e += actOffset(16);
        }
        ql += 32;
        sg += 6;
        e += actOffset(96);
      }
      const d = scaleAt(wb + 208);
      const da = load<f32>(das);
      const scv = v128.load(sc);
      acc = superResult(acc, isum, d, da);
      acc = superMins(acc, minDot16(offsetsLow(scv), offsetsHigh(scv), sums), d, da);
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
  /** Unsigned levels for the relaxed batched product (unpacked8.ts layout). */
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
      const ub = u + (<usize>b << 8);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const ql = wb + (<usize>h << 6) + (<usize>r << 4);
          const x = v128.load(ql);
          const y = v128.load(ql, 32);
          const top = v128.load(wb + 128 + (<usize>h << 5) + (<usize>r << 4));
          const o = ub + (<usize>h << 7) + (<usize>r << 4);
          v128.store(o, level6(lowNibbles(x), top, 0));
          v128.store(o, level6(lowNibbles(y), top, 1), 32);
          v128.store(o, level6(highNibbles(x), top, 2), 64);
          v128.store(o, level6(highNibbles(y), top, 3), 96);
        }
      }
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    const m32 = byteBit(5);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 210;
      const d = halfAt(wb + 208);
      const sc = wb + 192;
      const y = dst + (<usize>b << 10);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const ql = wb + (<usize>h << 6) + (<usize>r << 4);
          const a = v128.load(ql);
          const c = v128.load(ql, 32);
          const top = v128.load(wb + 128 + (<usize>h << 5) + (<usize>r << 4));
          const g = (h << 3) + r;
          const o = y + (<usize>h << 9) + (<usize>r << 6);
          storeScaledLevels(o, i8x16.sub(level6(lowNibbles(a), top, 0), m32), d * <f32>load<i8>(sc + g));
          storeScaledLevels(o + 128, i8x16.sub(level6(lowNibbles(c), top, 1), m32), d * <f32>load<i8>(sc + g + 2));
          storeScaledLevels(o + 256, i8x16.sub(level6(highNibbles(a), top, 2), m32), d * <f32>load<i8>(sc + g + 4));
          storeScaledLevels(o + 384, i8x16.sub(level6(highNibbles(c), top, 3), m32), d * <f32>load<i8>(sc + g + 6));
        }
      }
    }
  }
}

// Q3_K: super-blocks of 256 values in 110 bytes: u8 hmask[32]; u8 qs[64] (low 2 bits, laid out as Q2_K);
// u8 scales[12] (16 signed 6-bit scales stored +32); half d.
//   value 128h + 32k + l: q2 = (qs[32h + l] >> 2k) & 3, high bit = (hmask[l] >> (4h + k)) & 1
// x = (d * (scale[s] - 32)) * (q2 - (high bit ? 0 : 4)), computed as d * (scale * q) - d * (4 * scale)
// with unsigned levels q = q2 + 4 * high (0..7) and the offset as a "min" of each 16-value group.

import { hsum, storeI8asI16Scaled } from '../common';
import { actOffset, dotU16Scaled, minDot16 } from '../simd-dot';
import { ACT_Q8_K } from '../unpacked';
import { d8At, dmin8At, mins8At, scales8At } from '../unpacked8';
import {
  halfAt,
  scaleAt,
} from './block32';
import {
  bitOf,
  byteOf,
  crumbAt,
  crumbOf,
  bitTo,
  dminsAt,
  minsAt,
  scalesAt,
  storeScaledLevels,
  superMins,
  superResult,
} from './superblock';
import { byteBit } from '../vconst';

/**
 * The 16 signed scales (-32..31) as bytes: low 4 bits from bytes 0..7 (nibble by nibble), high 2 bits
 * from bytes 8..11, minus 32.
 */
@inline
function scalesQ3(p: usize): v128 {
  const a = load<u32>(p);
  const b = load<u32>(p, 4);
  const c = load<u32>(p, 8);
  const stored = i32x4(
    <i32>((a & 0x0f0f0f0f) | ((c & 0x03030303) << 4)),
    <i32>((b & 0x0f0f0f0f) | ((c & 0x0c0c0c0c) << 2)),
    <i32>(((a >> 4) & 0x0f0f0f0f) | (c & 0x30303030)),
    <i32>(((b >> 4) & 0x0f0f0f0f) | ((c >> 2) & 0x30303030)),
  );
  return i8x16.sub(stored, byteBit(5));
}

/** Signed scale of group g (0..15) from {@link scalesQ3}. */
@inline
function scaleOf(s: v128, g: i32): i32 {
  const word = <u32>(g < 4 ? i32x4.extract_lane(s, 0) : g < 8 ? i32x4.extract_lane(s, 1) : g < 12 ? i32x4.extract_lane(s, 2) : i32x4.extract_lane(s, 3));
  return <i32>(<i8>byteOf(word, g & 3));
}

/** Unsigned levels q2 + 4 * high (0..7) of 16 values. */
@inline
function level3(q: v128, hm: v128, k: i32, bit: i32): v128 {
  return v128.or(crumbOf(q, k), i16x8.shl(bitOf(hm, bit), 2));
}

/** {@link level3} for constants `k` and `bit` (the decode loop): 3-4 operations fewer per 16 values. */
@inline
function level3At(q: v128, hm: v128, k: i32, bit: i32): v128 {
  return v128.or(crumbAt(q, k), bitTo(hm, bit, 2));
}

/** 4 * scale of the 16 groups as i16: groups 0..7 and 8..15. */
@inline
function offsetsLow(s: v128): v128 {
  return i16x8.shl(i16x8.extend_low_i8x16_s(s), 2);
}
@inline
function offsetsHigh(s: v128): v128 {
  return i16x8.shl(i16x8.extend_high_i8x16_s(s), 2);
}

/** isum + the scaled sums of the four groups k = 0..3 of one (h, r) quarter (levels from q, hm bits hbit + k). */
@inline
function quadQ3(isum: v128, q: v128, hm: v128, hbit: i32, e: usize, s0: i32, s1: i32, s2: i32, s3: i32): v128 {
  isum = dotU16Scaled(level3At(q, hm, 0, hbit), e, s0, isum);
  isum = dotU16Scaled(level3At(q, hm, 1, hbit + 1), e + actOffset(32), s1, isum);
  isum = dotU16Scaled(level3At(q, hm, 2, hbit + 2), e + actOffset(64), s2, isum);
  return dotU16Scaled(level3At(q, hm, 3, hbit + 3), e + actOffset(96), s3, isum);
}

@final @unmanaged
export class Q3_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 110; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const ud = scalesAt(u, cols);
    const udmin = dminsAt(u, cols);
    const um = minsAt(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 110;
      const d = scaleAt(wb + 108);
      store<f32>(ud + (<usize>b << 2), d);
      store<f32>(udmin + (<usize>b << 2), d);
      const s = scalesQ3(wb + 96);
      v128.store(um + (<usize>b << 5), offsetsLow(s));
      v128.store(um + (<usize>b << 5), offsetsHigh(s), 16);
      const ub = u + (<usize>b << 9);
      for (let r = 0; r < 2; r++) {
        const hm = v128.load(wb + (<usize>r << 4));
        for (let h = 0; h < 2; h++) {
          const q = v128.load(wb + 32 + (<usize>h << 5) + (<usize>r << 4));
          for (let k = 0; k < 4; k++) {
            const g = (h << 3) + (k << 1) + r;
            storeI8asI16Scaled(ub + (<usize>g << 5), level3(q, hm, k, (h << 2) + k), scaleOf(s, g));
          }
        }
      }
    }
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 110 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    for (let b = 0; b < nbs; b++) {
      const s = scalesQ3(wb + 96);
      // (h, r) quarters unrolled: group g = 8h + 2k + r, high bit 4h + k
      const hm0 = v128.load(wb);
      const hm1 = v128.load(wb, 16);
      let isum = quadQ3(i32x4.splat(0), v128.load(wb, 32), hm0, 0, ab, i8x16.extract_lane_s(s, 0), i8x16.extract_lane_s(s, 2), i8x16.extract_lane_s(s, 4), i8x16.extract_lane_s(s, 6));
      isum = quadQ3(isum, v128.load(wb, 48), hm1, 0, ab + actOffset(16), i8x16.extract_lane_s(s, 1), i8x16.extract_lane_s(s, 3), i8x16.extract_lane_s(s, 5), i8x16.extract_lane_s(s, 7));
      isum = quadQ3(isum, v128.load(wb, 64), hm0, 4, ab + actOffset(128), i8x16.extract_lane_s(s, 8), i8x16.extract_lane_s(s, 10), i8x16.extract_lane_s(s, 12), i8x16.extract_lane_s(s, 14));
      isum = quadQ3(isum, v128.load(wb, 80), hm1, 4, ab + actOffset(144), i8x16.extract_lane_s(s, 9), i8x16.extract_lane_s(s, 11), i8x16.extract_lane_s(s, 13), i8x16.extract_lane_s(s, 15));
      const d = scaleAt(wb + 108);
      const da = load<f32>(das);
      acc = superResult(acc, isum, d, da);
      acc = superMins(acc, minDot16(offsetsLow(s), offsetsHigh(s), sums), d, da);
      wb += 110;
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
      const wb = w + <usize>b * 110;
      const d = scaleAt(wb + 108);
      store<f32>(ud + (<usize>b << 2), d);
      store<f32>(udmin + (<usize>b << 2), d);
      const s = scalesQ3(wb + 96);
      v128.store(um + (<usize>b << 5), offsetsLow(s));
      v128.store(um + (<usize>b << 5), offsetsHigh(s), 16);
      v128.store(us + (<usize>b << 5), i16x8.extend_low_i8x16_s(s));
      v128.store(us + (<usize>b << 5), i16x8.extend_high_i8x16_s(s), 16);
      const ub = u + (<usize>b << 8);
      for (let r = 0; r < 2; r++) {
        const hm = v128.load(wb + (<usize>r << 4));
        for (let h = 0; h < 2; h++) {
          const q = v128.load(wb + 32 + (<usize>h << 5) + (<usize>r << 4));
          for (let k = 0; k < 4; k++) {
            const g = (h << 3) + (k << 1) + r;
            v128.store(ub + (<usize>g << 4), level3(q, hm, k, (h << 2) + k));
          }
        }
      }
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    const four = byteBit(2);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 110;
      const d = halfAt(wb + 108);
      const s = scalesQ3(wb + 96);
      const y = dst + (<usize>b << 10);
      for (let r = 0; r < 2; r++) {
        const hm = v128.load(wb + (<usize>r << 4));
        for (let h = 0; h < 2; h++) {
          const q = v128.load(wb + 32 + (<usize>h << 5) + (<usize>r << 4));
          for (let k = 0; k < 4; k++) {
            const g = (h << 3) + (k << 1) + r;
            storeScaledLevels(y + (<usize>g << 6), i8x16.sub(level3(q, hm, k, (h << 2) + k), four), d * <f32>scaleOf(s, g));
          }
        }
      }
    }
  }
}

// Q3_K: super-blocks of 256 values in 110 bytes: u8 hmask[32]; u8 qs[64] (low 2 bits, laid out as Q2_K);
// u8 scales[12] (16 signed 6-bit scales stored +32); half d.
//   value 128h + 32k + l: q2 = (qs[32h + l] >> 2k) & 3, high bit = (hmask[l] >> (4h + k)) & 1
// x = (d * (scale[s] - 32)) * (q2 - (high bit ? 0 : 4)), computed as d * (scale * q) - d * (4 * scale)
// with unsigned levels q = q2 + 4 * high (0..7) and the offset as a "min" of each 16-value group.
//
// Placement: the levels are moved between slots when the weight is uploaded ({@link placeQ3K};
// src/wasm/placement.ts), their encoding kept, into Q6_K's placed order (q6_k.ts): call the 16 levels of
// qs vector (h, r) crumb k with hmask vector r bit 4h + k level vector t = 4r + k of half h; ggml gives it
// group 2k + r, placed its word c holds values 4q .. 4q + 3 of group 4(t & 1) + c, q = t >> 1. Pair sums
// of 3-bit levels are small (at most 2 * 7 * 127), so the relaxed decode product adds up the even and the
// odd vectors of a whole half in i16 and meets the scales in two multiplies per half, where ggml's order
// spreads a scale and multiplies per 16 values (activations as Q6_K's: quantize_q8_K option 4).

import { hsum } from '../common';
import { actOffset, minDot16 } from '../simd-dot';
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
import { VI, byteBit, vi } from '../vconst';
import { groupSums, pairedScales, placedGroup, placedVector, scaledSums, scaledWideSums, storePlacedGroups, storePlacedLevels8, wideSums } from './placed16';

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

/** Level vector t = 4r + k (0..7) of half h of the super-block at `wb`, in ggml's layout or the placed one. */
@inline
function levelVector(wb: usize, h: i32, t: i32): v128 {
  const r = t >> 2;
  const k = t & 3;
  return level3(v128.load(wb + 32 + (<usize>h << 5) + (<usize>r << 4)), v128.load(wb + (<usize>r << 4)), k, (h << 2) + k);
}

/** 2-bit field k of every byte of the levels `l` (0..7) placed at bits 2k, 2k + 1. */
@inline
function crumbTo(l: v128, k: i32): v128 {
  return i16x8.shl(v128.and(l, vi(VI.BYTE_3)), k << 1);
}

/** Bit 2 of every byte of the levels `l` placed at bit `to`. */
@inline
function highTo(l: v128, to: i32): v128 {
  return i16x8.shl(v128.and(i16x8.shr_u(l, 2), byteBit(0)), to);
}

/**
 * Writes the sixteen level vectors of a super-block (t = 0..7 of half 0 in `a`, of half 1 in `b`, each as
 * its 4r + k) in ggml's encoding: qs vector (h, r) from the crumbs of t = 4r + 0..3, hmask vector r bit
 * 4h + k from their third bits.
 */
@inline
function storeLevelVectors(wb: usize, r: i32, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128): void {
  v128.store(wb + 32 + (<usize>r << 4), v128.or(v128.or(crumbTo(a0, 0), crumbTo(a1, 1)), v128.or(crumbTo(a2, 2), crumbTo(a3, 3))));
  v128.store(wb + 64 + (<usize>r << 4), v128.or(v128.or(crumbTo(b0, 0), crumbTo(b1, 1)), v128.or(crumbTo(b2, 2), crumbTo(b3, 3))));
  const lowHalf = v128.or(v128.or(highTo(a0, 0), highTo(a1, 1)), v128.or(highTo(a2, 2), highTo(a3, 3)));
  const highHalf = v128.or(v128.or(highTo(b0, 4), highTo(b1, 5)), v128.or(highTo(b2, 6), highTo(b3, 7)));
  v128.store(wb + (<usize>r << 4), v128.or(lowHalf, highHalf));
}

/**
 * Rearranges `blocks` Q3_K super-blocks at `w` into the placed order (see the header), or back when
 * `inverse`: the sixteen level vectors decoded, two 4 x 4 word transposes per half, encoded again.
 */
export function placeQ3K(w: usize, blocks: i32, inverse: bool): void {
  for (let b = 0; b < blocks; b++) {
    const wb = w + <usize>b * 110;
    const a0 = levelVector(wb, 0, 0);
    const a1 = levelVector(wb, 0, 1);
    const a2 = levelVector(wb, 0, 2);
    const a3 = levelVector(wb, 0, 3);
    const a4 = levelVector(wb, 0, 4);
    const a5 = levelVector(wb, 0, 5);
    const a6 = levelVector(wb, 0, 6);
    const a7 = levelVector(wb, 0, 7);
    const b0 = levelVector(wb, 1, 0);
    const b1 = levelVector(wb, 1, 1);
    const b2 = levelVector(wb, 1, 2);
    const b3 = levelVector(wb, 1, 3);
    const b4 = levelVector(wb, 1, 4);
    const b5 = levelVector(wb, 1, 5);
    const b6 = levelVector(wb, 1, 6);
    const b7 = levelVector(wb, 1, 7);
    if (!inverse) {
      // placed vector t = 4r + k of each half to level vector 4r + k
      storeLevelVectors(wb, 0,
        placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 0), placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 1), placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 2), placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 3),
        placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 0), placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 1), placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 2), placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 3));
      storeLevelVectors(wb, 1,
        placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 4), placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 5), placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 6), placedVector(a0, a1, a2, a3, a4, a5, a6, a7, 7),
        placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 4), placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 5), placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 6), placedVector(b0, b1, b2, b3, b4, b5, b6, b7, 7));
    } else {
      // group 2k + r (placedGroup) back to vector 4r + k
      storeLevelVectors(wb, 0,
        placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 0), placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 2), placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 4), placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 6),
        placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 0), placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 2), placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 4), placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 6));
      storeLevelVectors(wb, 1,
        placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 1), placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 3), placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 5), placedGroup(a0, a1, a2, a3, a4, a5, a6, a7, 7),
        placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 1), placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 3), placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 5), placedGroup(b0, b1, b2, b3, b4, b5, b6, b7, 7));
    }
  }
}

/** {@link level3At} with the masks hoisted by the loop: 3 in every byte, and bit 2. */
@inline
function level3H(q: v128, hm: v128, k: i32, bit: i32, three: v128, four: v128): v128 {
  const crumb = k == 0 ? v128.and(q, three) : v128.and(i16x8.shr_u(q, k << 1), three);
  const high = bit < 2 ? i16x8.shl(hm, 2 - bit) : bit > 2 ? i16x8.shr_u(hm, bit - 2) : hm;
  return v128.or(crumb, v128.and(high, four));
}

/**
 * isum + the scaled sums of half h (a constant) of a placed super-block at `wb` with the placed activations
 * at `e`; `s16`: the half's eight scales as i16 (placed16.ts). Relaxed build: i16 pair sums of the even
 * and of the odd level vectors over the half (each lane at most 4 * 2 * 7 * 127 = 7112), scaled once; VNNI:
 * i32 lanes per group; SIMD-128: i16 levels and activations, four accumulators.
 */
@inline
function placedHalfSums(isum: v128, wb: usize, h: i32, e: usize, s16: v128, three: v128, four: v128): v128 {
  const evenScales = pairedScales(s16, 0);
  const oddScales = pairedScales(s16, 1);
  const zero = i32x4.splat(0);
  let even = zero;
  let odd = zero;
  let g01 = zero;
  let g23 = zero;
  let g45 = zero;
  let g67 = zero;
  let hmp = wb;
  let qp = wb + 32 + (<usize>h << 5);
  const hb = h << 2;
  for (let r = 0; r < 2; r++) {
    const q = v128.load(qp);
    const hm = v128.load(hmp);
    // level vectors 4r + k, their activations at e + 16k (relaxed) or e + 32k (SIMD-128: i16, 32 bytes a vector)
    const l0 = level3H(q, hm, 0, hb, three, four);
    const l1 = level3H(q, hm, 1, hb + 1, three, four);
    const l2 = level3H(q, hm, 2, hb + 2, three, four);
    const l3 = level3H(q, hm, 3, hb + 3, three, four);
    if (RELAXED) {
      even = groupSums(even, l0, v128.load(e), l2, v128.load(e, 32));
      odd = groupSums(odd, l1, v128.load(e, 16), l3, v128.load(e, 48));
    } else {
      g01 = wideSums(g01, l0, v128.load(e), l2, v128.load(e, 64), 0);
      g23 = wideSums(g23, l0, v128.load(e, 16), l2, v128.load(e, 80), 1);
      g45 = wideSums(g45, l1, v128.load(e, 32), l3, v128.load(e, 96), 0);
      g67 = wideSums(g67, l1, v128.load(e, 48), l3, v128.load(e, 112), 1);
    }
    qp += 16;
    hmp += 16;
    e += actOffset(64);
  }
  if (RELAXED) return scaledSums(isum, even, odd, evenScales, oddScales);
  return scaledWideSums(isum, g01, g23, g45, g67, evenScales, oddScales);
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

@final @unmanaged
export class Q3_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 110; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  /** Placed level vector t of half h (placed16.ts storePlacedGroups). */
  @inline levelVector(wb: usize, h: i32, t: i32): v128 {
    return levelVector(wb, h, t);
  }
  /** Signed scale of group g (0..15) from the super-block's scales `s` ({@link scalesQ3}). */
  @inline groupScale(wb: usize, s: v128, g: i32): i32 {
    return scaleOf(s, g);
  }
  /** Group g's 16 values (q - 4) * d * scale. */
  @inline storeValues(o: usize, levels: v128, wb: usize, s: v128, g: i32, d: f32, dmin: f32): void {
    storeScaledLevels(o, i8x16.sub(levels, byteBit(2)), d * <f32>scaleOf(s, g));
  }
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
      storePlacedGroups(this, wb, s, 0, 0, u + (<usize>b << 9), false);
    }
  }
  /**
   * One placed row times one Q8_K record whose levels are placed to match (activations.ts quantize_q8_K
   * option 4; see the header): per half, {@link placedHalfSums}; the offsets 4 * scale as mins.
   */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 110 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    // the loop's vector constants, loaded once per row (vconst.ts)
    const three = vi(VI.BYTE_3);
    const four = byteBit(2);
    for (let b = 0; b < nbs; b++) {
      const s = scalesQ3(wb + 96);
      let isum = placedHalfSums(i32x4.splat(0), wb, 0, ab, i16x8.extend_low_i8x16_s(s), three, four);
      isum = placedHalfSums(isum, wb, 1, ab + actOffset(128), i16x8.extend_high_i8x16_s(s), three, four);
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
  /** Unsigned levels for the relaxed batched product (unpacked8.ts layout), in ggml's order. */
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
      storePlacedLevels8(this, wb, u + (<usize>b << 8));
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 110;
      const d = halfAt(wb + 108);
      const s = scalesQ3(wb + 96);
      storePlacedGroups(this, wb, s, d, 0, dst + (<usize>b << 10), true);
    }
  }
}

// Q2_K: super-blocks of 256 values in 84 bytes: u8 scales[16] (low nibble scale, high nibble min, per 16
// values); u8 qs[64] (value 128h + 32k + l = bits 2k..2k+1 of qs[32h + l]); half d; half dmin.
// x = (d * scale[s]) * q - (dmin * min[s])
//
// Placement: the 2-bit levels of each half super-block are moved between the crumbs of its qs when the
// weight is uploaded ({@link placeQ2K}; src/wasm/placement.ts), into the placed order of Q6_K and Q3_K
// (placed16.ts): call crumb k of qs vector (h, r) level vector t = 4r + k of half h; ggml gives it group
// 2k + r, placed its word c holds values 4q .. 4q + 3 of group 4(t & 1) + c, q = t >> 1. The decode
// product then adds the pair sums of a whole half per group in i16 (at most 4 * 2 * 3 * 127 per lane) and
// meets the scales in two multiplies per half, where ggml's order spreads and multiplies a scale per 16
// values (activations as Q6_K's: activations.ts quantize_q8_K option 4).

import { hsum } from '../common';
import { actOffset, minDot16 } from '../simd-dot';
import { groupSums, pairedScales, placedGroup, placedVector, scaledSums, scaledWideSums, storePlacedGroups, storePlacedLevels8, wideSums } from './placed16';
import { ACT_Q8_K } from '../unpacked';
import { d8At, dmin8At, mins8At, scales8At } from '../unpacked8';
import {
  halfAt,
  scaleAt,
} from './block32';
import {
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

/** Level vector t = 4r + k (0..7) of half h of the super-block at `wb`, in ggml's layout or the placed one. */
@inline
function levelVector(wb: usize, h: i32, t: i32): v128 {
  return crumbOf(v128.load(wb + 16 + (<usize>h << 5) + (<usize>(t >> 2) << 4)), t & 3);
}

/** Levels 0..3 `l` as crumb k (bits 2k, 2k + 1) of each byte. */
@inline
function crumbTo(l: v128, k: i32): v128 {
  return i16x8.shl(l, k << 1);
}

/** Writes four level vectors (levels 0..3) as level vectors 4r + 0..3 of half h: qs vector (h, r). */
@inline
function storeLevelVectors(wb: usize, h: i32, r: i32, l0: v128, l1: v128, l2: v128, l3: v128): void {
  const qs = v128.or(v128.or(l0, crumbTo(l1, 1)), v128.or(crumbTo(l2, 2), crumbTo(l3, 3)));
  v128.store(wb + 16 + (<usize>h << 5) + (<usize>r << 4), qs);
}

/**
 * Rearranges `blocks` Q2_K super-blocks at `w` into the placed order (see the header), or back when
 * `inverse`: per half, the eight level vectors decoded, two 4 x 4 word transposes, encoded again.
 */
export function placeQ2K(w: usize, blocks: i32, inverse: bool): void {
  for (let b = 0; b < blocks; b++) {
    const wb = w + <usize>b * 84;
    for (let h = 0; h < 2; h++) {
      const v0 = levelVector(wb, h, 0);
      const v1 = levelVector(wb, h, 1);
      const v2 = levelVector(wb, h, 2);
      const v3 = levelVector(wb, h, 3);
      const v4 = levelVector(wb, h, 4);
      const v5 = levelVector(wb, h, 5);
      const v6 = levelVector(wb, h, 6);
      const v7 = levelVector(wb, h, 7);
      if (!inverse) {
        // placed vector t = 4r + k to level vector 4r + k
        storeLevelVectors(wb, h, 0, placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 0), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 1), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 2), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 3));
        storeLevelVectors(wb, h, 1, placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 4), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 5), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 6), placedVector(v0, v1, v2, v3, v4, v5, v6, v7, 7));
      } else {
        // group 2k + r back to vector 4r + k
        storeLevelVectors(wb, h, 0,
          placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 0), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 2),
          placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 4), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 6));
        storeLevelVectors(wb, h, 1,
          placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 1), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 3),
          placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 5), placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 7));
      }
    }
  }
}

/** Crumb k (a constant) of every byte of `q`, the mask `three` hoisted by the loop. */
@inline
function crumbH(q: v128, k: i32, three: v128): v128 {
  return k == 0 ? v128.and(q, three) : v128.and(i16x8.shr_u(q, k << 1), three);
}

/**
 * isum + the scaled sums of the half of a placed super-block whose qs start at `qp`, with the placed
 * activations at `e`; `s16`: the half's eight scales as i16 (placed16.ts). Relaxed build: i16 pair sums
 * of the even and the odd level vectors over the half, scaled once; VNNI: i32 lanes per group;
 * SIMD-128: i16 levels and activations, four accumulators.
 */
@inline
function placedHalfSums(isum: v128, qp: usize, e: usize, s16: v128, three: v128): v128 {
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
    const q = v128.load(qp);
    // level vectors 4r + k, their activations at e + 16k (relaxed) or e + 32k (SIMD-128: i16, 32 bytes a vector)
    const l0 = crumbH(q, 0, three);
    const l1 = crumbH(q, 1, three);
    const l2 = crumbH(q, 2, three);
    const l3 = crumbH(q, 3, three);
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
    e += actOffset(64);
  }
  if (RELAXED) return scaledSums(isum, even, odd, evenScales, oddScales);
  return scaledWideSums(isum, g01, g23, g45, g67, evenScales, oddScales);
}

@final @unmanaged
export class Q2_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 84; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  /** Placed level vector t of half h (placed16.ts storePlacedGroups). */
  @inline levelVector(wb: usize, h: i32, t: i32): v128 {
    return levelVector(wb, h, t);
  }
  /** Scale of group g (0..15): the low nibble of its scale byte. */
  @inline groupScale(wb: usize, s: v128, g: i32): i32 {
    return load<u8>(wb + <usize>g) & 0x0f;
  }
  /** Group g's 16 values d * scale * q - dmin * min (its scale byte: scale low, min high). */
  @inline storeValues(o: usize, levels: v128, wb: usize, s: v128, g: i32, d: f32, dmin: f32): void {
    const sc = load<u8>(wb + <usize>g);
    storeScaledLevelsMinus(o, levels, d * <f32>(sc & 0x0f), dmin * <f32>(sc >> 4));
  }
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
      storePlacedGroups(this, wb, sm, 0, 0, u + (<usize>b << 9), false);
    }
  }
  /**
   * One placed row times one Q8_K record whose levels are placed to match (activations.ts quantize_q8_K
   * option 4; see the header): per half, {@link placedHalfSums}; the mins times the 16-value sums.
   */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nbs = cols >> 8;
    let acc = f32x4.splat(0);
    // plain pointer steps per super-block (V8 recomputed the products b * 84 etc. every iteration)
    let wb = w;
    let ab = a;
    let das = a + (<usize>cols << 1);
    let sums = das + (<usize>nbs << 2);
    // the loop's vector constants, loaded once per row (vconst.ts)
    const three = vi(VI.BYTE_3);
    const nibbles = vi(VI.NIBBLES);
    for (let b = 0; b < nbs; b++) {
      const sm = v128.load(wb);
      const scales = v128.and(sm, nibbles);
      let isum = placedHalfSums(i32x4.splat(0), wb + 16, ab, i16x8.extend_low_i8x16_u(scales), three);
      isum = placedHalfSums(isum, wb + 48, ab + actOffset(128), i16x8.extend_high_i8x16_u(scales), three);
      const da = load<f32>(das);
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
      storePlacedLevels8(this, wb, u + (<usize>b << 8));
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 84;
      const d = halfAt(wb + 80);
      const dmin = halfAt(wb + 82);
      storePlacedGroups(this, wb, i32x4.splat(0), d, dmin, dst + (<usize>b << 10), true);
    }
  }
}

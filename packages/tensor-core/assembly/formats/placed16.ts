// The placed order of the super-block formats whose scales cover 16-value groups (Q2_K, Q3_K, Q6_K; see
// q6_k.ts "Placement"): a half super-block's eight level vectors t = 4r + k hold, as word c, 4 values of
// group 4(t & 1) + c, so each word (each pair of i16 pair-sum lanes, each i32 lane of the VNNI dot-add)
// belongs to one group: the even vectors to groups 0..3 of the half, the odd ones to 4..7. The decode
// products add their level vectors' sums per group and meet a vector of scales once per half (or, where
// the i16 sums would overflow, once per 32 values) instead of a scale splat and multiply per 16 values.

import { storeI8asI16Scaled } from '../common';
import { dotAdd, pairSumsOf } from '../simd-dot';
import { storeTransposedWords, transposedWords } from '../transpose';

/**
 * Placed level vector t (0..7, a constant) of a half whose level vectors in ggml's order are v0 .. v7 (vector
 * 4r + k holds group 2k + r): word c is word t >> 1 of group 4(t & 1) + c, a row of the word transpose of
 * groups 0..3 (vectors 0, 4, 1, 5) or 4..7 (vectors 2, 6, 3, 7). The inverse of {@link placedGroup}.
 */
@inline
export function placedVector(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128, t: i32): v128 {
  return (t & 1) == 0 ? transposedWords(v0, v4, v1, v5, t >> 1) : transposedWords(v2, v6, v3, v7, t >> 1);
}

/**
 * Group g (0..7, a constant) of a half whose placed level vectors are v0 .. v7: its 16 levels in order
 * (the placed even vectors are the 4 x 4 word transpose of groups 0..3, the odd ones of groups 4..7).
 */
@inline
export function placedGroup(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128, g: i32): v128 {
  return g < 4 ? transposedWords(v0, v2, v4, v6, g) : transposedWords(v1, v3, v5, v7, g - 4);
}

/**
 * Masks over eight i16 scales: lanes 0, 0, 1, 1, 2, 2, 3, 3 and 4, 4, 5, 5, 6, 6, 7, 7, the scale of the
 * group of each i16 pair-sum lane of a placed even or odd level vector.
 */
const PAIRED_SCALES: usize = memory.data<u8>([
  0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7,
  8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15,
], 16);

/**
 * The scales of a half's even (`odd` 0) or odd level vectors' lanes from its eight scales as i16 `s16`:
 * relaxed build, each i16 lane its group's scale; VNNI build, each i32 lane; SIMD-128 build, each i16 lane
 * as the relaxed build (widened by {@link scaledWideSums}).
 */
@inline
export function pairedScales(s16: v128, odd: i32): v128 {
  if (VNNI) return odd ? i32x4.extend_high_i16x8_s(s16) : i32x4.extend_low_i16x8_s(s16);
  if (RELAXED) return i8x16.relaxed_swizzle(s16, v128.load(PAIRED_SCALES + (<usize>odd << 4)));
  return i8x16.swizzle(s16, v128.load(PAIRED_SCALES + (<usize>odd << 4)));
}

/**
 * acc + the per-group sums of two level vectors of the same parity (`la`, `lb`) with their activations
 * `xa`, `xb` (relaxed builds): i16 pair sums (callers keep them below 32768), or i32 lanes in the VNNI build.
 * The callers load the activations with constant offsets (an address computed apart costs V8 an add).
 */
@inline
export function groupSums(acc: v128, la: v128, xa: v128, lb: v128, xb: v128): v128 {
  if (VNNI) return dotAdd(lb, xb, dotAdd(la, xa, acc));
  return i16x8.add(acc, pairGroupSums(la, xa, lb, xb));
}

/** {@link groupSums} from nothing, relaxed build without VNNI (no add of a zero accumulator: V8 keeps it). */
@inline
export function pairGroupSums(la: v128, xa: v128, lb: v128, xb: v128): v128 {
  return i16x8.add(pairSumsOf(la, xa), pairSumsOf(lb, xb));
}

/** isum + the even and odd {@link groupSums} times their {@link pairedScales} (relaxed builds). */
@inline
export function scaledSums(isum: v128, even: v128, odd: v128, evenScales: v128, oddScales: v128): v128 {
  if (VNNI) return i32x4.add(isum, i32x4.add(i32x4.mul(even, evenScales), i32x4.mul(odd, oddScales)));
  return i32x4.add(isum, i32x4.add(i32x4.dot_i16x8_s(even, evenScales), i32x4.dot_i16x8_s(odd, oddScales)));
}

/**
 * acc + the SIMD-128 sums of two level vectors of the same parity with their i16 activations `xa`, `xb`:
 * of their low 8 levels (words 0, 1: i32 lanes two per group) or high 8 (`high` 1: words 2, 3).
 */
@inline
export function wideSums(acc: v128, la: v128, xa: v128, lb: v128, xb: v128, high: i32): v128 {
  const wa = high ? i16x8.extend_high_i8x16_u(la) : i16x8.extend_low_i8x16_u(la);
  const wb = high ? i16x8.extend_high_i8x16_u(lb) : i16x8.extend_low_i8x16_u(lb);
  return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(wa, xa), i32x4.dot_i16x8_s(wb, xb)));
}

/**
 * isum + the four SIMD-128 accumulators of a half (groups 0/1, 2/3 from the even vectors, 4/5, 6/7 from
 * the odd ones; i32 lanes two per group) times their scales.
 */
@inline
export function scaledWideSums(isum: v128, g01: v128, g23: v128, g45: v128, g67: v128, evenScales: v128, oddScales: v128): v128 {
  isum = i32x4.add(isum, i32x4.mul(g01, i32x4.extend_low_i16x8_s(evenScales)));
  isum = i32x4.add(isum, i32x4.mul(g23, i32x4.extend_high_i16x8_s(evenScales)));
  isum = i32x4.add(isum, i32x4.mul(g45, i32x4.extend_low_i16x8_s(oddScales)));
  return i32x4.add(isum, i32x4.mul(g67, i32x4.extend_high_i16x8_s(oddScales)));
}

/**
 * The sixteen groups of the placed super-block at `wb`, each with its 16 levels back in ggml's order, for
 * the kernels that read weights other than the decode product: as i16 levels times the group's scale, 32
 * bytes a group (`dequant` false: unpackRow, the rows of the i16 batched product), or as f32 values, 64
 * bytes a group (`dequant`: dequantRow, for getRows). `F` (Q2_K, Q3_K, Q6_K) reads a half's placed level
 * vectors (`levelVector(wb, h, t)`), gives a group's scale (`groupScale(wb, s, g)`) and stores its values
 * (`storeValues(o, levels, wb, s, g, d, dmin)`); `s`, `d`, `dmin`: super-block values those need (its
 * scales as a vector, its factors), passed through.
 */
@inline
export function storePlacedGroups<F>(f: F, wb: usize, s: v128, d: f32, dmin: f32, o: usize, dequant: bool): void {
  const stride: usize = dequant ? 64 : 32;
  for (let h = 0; h < 2; h++) {
    const v0 = f.levelVector(wb, h, 0);
    const v1 = f.levelVector(wb, h, 1);
    const v2 = f.levelVector(wb, h, 2);
    const v3 = f.levelVector(wb, h, 3);
    const v4 = f.levelVector(wb, h, 4);
    const v5 = f.levelVector(wb, h, 5);
    const v6 = f.levelVector(wb, h, 6);
    const v7 = f.levelVector(wb, h, 7);
    // group g = 8h + k at o + g * stride
    const g = h << 3;
    const oh = o + <usize>g * stride;
    storeGroup<F>(f, oh, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 0), wb, s, g, d, dmin, dequant);
    storeGroup<F>(f, oh + stride, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 1), wb, s, g + 1, d, dmin, dequant);
    storeGroup<F>(f, oh + 2 * stride, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 2), wb, s, g + 2, d, dmin, dequant);
    storeGroup<F>(f, oh + 3 * stride, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 3), wb, s, g + 3, d, dmin, dequant);
    storeGroup<F>(f, oh + 4 * stride, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 4), wb, s, g + 4, d, dmin, dequant);
    storeGroup<F>(f, oh + 5 * stride, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 5), wb, s, g + 5, d, dmin, dequant);
    storeGroup<F>(f, oh + 6 * stride, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 6), wb, s, g + 6, d, dmin, dequant);
    storeGroup<F>(f, oh + 7 * stride, placedGroup(v0, v1, v2, v3, v4, v5, v6, v7, 7), wb, s, g + 7, d, dmin, dequant);
  }
}

/** One group of {@link storePlacedGroups}. */
@inline
function storeGroup<F>(f: F, o: usize, levels: v128, wb: usize, s: v128, g: i32, d: f32, dmin: f32, dequant: bool): void {
  if (dequant) f.storeValues(o, levels, wb, s, g, d, dmin);
  else storeI8asI16Scaled(o, levels, f.groupScale(wb, s, g));
}

/**
 * The levels of the placed super-block at `wb` for the relaxed batched product (unpacked8.ts: group g of
 * half h at `o + 128h + 16g`): per half, the word transposes of the placed even and of the odd vectors.
 */
@inline
export function storePlacedLevels8<F>(f: F, wb: usize, o: usize): void {
  for (let h = 0; h < 2; h++) {
    const oh = o + (<usize>h << 7);
    storeTransposedWords(f.levelVector(wb, h, 0), f.levelVector(wb, h, 2), f.levelVector(wb, h, 4), f.levelVector(wb, h, 6), oh, 16);
    storeTransposedWords(f.levelVector(wb, h, 1), f.levelVector(wb, h, 3), f.levelVector(wb, h, 5), f.levelVector(wb, h, 7), oh + 64, 16);
  }
}

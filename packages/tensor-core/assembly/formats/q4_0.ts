// Q4_0: blocks of 32 values in 18 bytes: half d; u8 qs[16] (byte j: low nibble = value j, high = j + 16).
// x[j] = (q[j] - 8) * d, computed as d * q + m with m = -8 d (unsigned levels suit the relaxed dot).
//
// Placement (relaxed builds; {@link placeQ4_0}, src/wasm/placement.ts): each row's blocks go in groups of
// four, the 72 bytes of a group rearranged when the weight is uploaded: the four scales first (8 bytes),
// then four placed vectors, word c of vector k holding block c's qs bytes 4k .. 4k + 3. The low nibbles of
// vector k are then values 4k .. 4k + 3 of each block, the high ones 16 + 4k .. 16 + 4k + 3, every word
// one block: the decode product adds a whole group's pair sums in i16 (at most 8 * 2 * 15 * 127 = 30480
// per lane) and widens once, each i32 lane one block's sum, where ggml's order widens per block and gathers
// the four sums with shuffles and the scales with four scalar loads (+15-25% per core in isolation). The
// blocks after a row's last whole group stay in ggml's order. Activations come placed to match
// (activations.ts quantize_q8_32 option 3). The SIMD-128 build keeps ggml's order throughout.

import { actOffset, dotAdd, pairSumsOf, sumU32 } from '../simd-dot';
import { ACT_Q8_32 } from '../unpacked';
import {
  fusedDot32,
  groupOf,
  halfAt,
  halves4,
  highNibbles,
  lowNibbles,
  paddedBlocks,
  padUnpacked32,
  scaleAt,
  storeInterleaved,
  block32rAt,
  storeRow8Block,
  storeRow8Scale,
  storeScaled16,
} from './block32';
import { byteBit } from '../vconst';
import { transposedWords } from '../transpose';

/** Whether this build places Q4_0 rows (see the header). */
export const Q4_0_PLACED: bool = RELAXED != 0;

/** Blocks of a row of `nb` blocks that sit in placed groups: whole groups of four (relaxed builds). */
@inline
export function placedBlocks32(nb: i32): i32 {
  return Q4_0_PLACED ? nb & ~3 : 0;
}

/** Address of the half scale of block b of a Q4_0 row at `w` whose first `placed` blocks are placed. */
@inline
function scaleAddress(w: usize, b: i32, placed: i32): usize {
  if (b >= placed) return w + <usize>b * 18;
  const c = b & 3;
  return w + <usize>(b - c) * 18 + (<usize>c << 1);
}

/** The 16 qs bytes of block b of a Q4_0 row at `w` whose first `placed` blocks are placed, in ggml's order. */
@inline
function blockQs(w: usize, b: i32, placed: i32): v128 {
  if (b >= placed) return v128.load(w + <usize>b * 18, 2);
  const c = b & 3;
  // word k of the block: word c of placed vector k
  const p = w + <usize>(b - c) * 18 + 8 + (<usize>c << 2);
  return i32x4(load<i32>(p), load<i32>(p, 16), load<i32>(p, 32), load<i32>(p, 48));
}

/**
 * Rearranges the whole groups of four blocks of `rows` Q4_0 rows of `cols` values at `w` into the placed
 * order (see the header), or back when `inverse`. Every value is read before any is written, so in place.
 */
export function placeQ4_0(w: usize, rows: i32, cols: i32, inverse: bool): void {
  const nb = cols >> 5;
  const rowBytes = <usize>nb * 18;
  for (let r = 0; r < rows; r++) {
    const row = w + <usize>r * rowBytes;
    for (let b = 0; b + 4 <= nb; b += 4) {
      const g = row + <usize>b * 18;
      if (!inverse) {
        const s = <u64>load<u16>(g) | (<u64>load<u16>(g, 18) << 16) | (<u64>load<u16>(g, 36) << 32) | (<u64>load<u16>(g, 54) << 48);
        const q0 = v128.load(g, 2);
        const q1 = v128.load(g, 20);
        const q2 = v128.load(g, 38);
        const q3 = v128.load(g, 56);
        store<u64>(g, s);
        v128.store(g, transposedWords(q0, q1, q2, q3, 0), 8);
        v128.store(g, transposedWords(q0, q1, q2, q3, 1), 24);
        v128.store(g, transposedWords(q0, q1, q2, q3, 2), 40);
        v128.store(g, transposedWords(q0, q1, q2, q3, 3), 56);
      } else {
        const s = load<u64>(g);
        const p0 = v128.load(g, 8);
        const p1 = v128.load(g, 24);
        const p2 = v128.load(g, 40);
        const p3 = v128.load(g, 56);
        // the word transpose is its own inverse
        v128.store(g, transposedWords(p0, p1, p2, p3, 0), 2);
        v128.store(g, transposedWords(p0, p1, p2, p3, 1), 20);
        v128.store(g, transposedWords(p0, p1, p2, p3, 2), 38);
        v128.store(g, transposedWords(p0, p1, p2, p3, 3), 56);
        store<u16>(g, <u16>s);
        store<u16>(g, <u16>(s >> 16), 18);
        store<u16>(g, <u16>(s >> 32), 36);
        store<u16>(g, <u16>(s >> 48), 54);
      }
    }
  }
}

@final @unmanaged
export class Q4_0Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 18; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return true; }
  /** Values are d * (q - 2^levelOffsetShift): the relaxed fused product subtracts the offset in integers. */
  @inline get levelOffsetShift(): i32 { return 3; }
  @inline get direct(): bool { return false; }
  /** Rows in placed groups of four blocks (relaxed builds; see the header and block32.ts fusedDot32). */
  @inline get placedGroups(): bool { return Q4_0_PLACED; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const placed = placedBlocks32(nb);
    const ud = u + (<usize>paddedBlocks(cols) << 6);
    const um = ud + (<usize>paddedBlocks(cols) << 2);
    for (let b = 0; b < nb; b++) {
      const v = blockQs(w, b, placed);
      const d = scaleAt(scaleAddress(w, b, placed));
      store<f32>(ud + (<usize>b << 2), d);
      store<f32>(um + (<usize>b << 2), d * -8);
      storeInterleaved(groupOf(u, b), b & 3, lowNibbles(v), highNibbles(v));
    }
    padUnpacked32(u, cols);
  }
  @inline blockDot(wb: usize, ab: usize, nibbles: v128, ones: v128): v128 {
    const v = v128.load(wb, 2);
    return sumU32(lowNibbles(v, nibbles), ab, highNibbles(v, nibbles), ab + actOffset(16), ones);
  }
  /**
   * The integer sums of a placed group of four blocks at `wg` with its placed activation levels at `ab`
   * (see the header), lane c block c's: relaxed, the i16 pair sums of all eight level vectors added (one
   * vector per placed vector first, so that the adds do not wait on each other), widened once; VNNI, four
   * dot-add chains of two.
   */
  @inline groupDot(wg: usize, ab: usize, nibbles: v128, ones: v128): v128 {
    const v0 = v128.load(wg, 8);
    const v1 = v128.load(wg, 24);
    const v2 = v128.load(wg, 40);
    const v3 = v128.load(wg, 56);
    if (VNNI) {
      const zero = i32x4.splat(0);
      const c0 = dotAdd(highNibbles(v0, nibbles), v128.load(ab, 16), dotAdd(lowNibbles(v0, nibbles), v128.load(ab), zero));
      const c1 = dotAdd(highNibbles(v1, nibbles), v128.load(ab, 48), dotAdd(lowNibbles(v1, nibbles), v128.load(ab, 32), zero));
      const c2 = dotAdd(highNibbles(v2, nibbles), v128.load(ab, 80), dotAdd(lowNibbles(v2, nibbles), v128.load(ab, 64), zero));
      const c3 = dotAdd(highNibbles(v3, nibbles), v128.load(ab, 112), dotAdd(lowNibbles(v3, nibbles), v128.load(ab, 96), zero));
      return i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3));
    }
    const s0 = i16x8.add(pairSumsOf(lowNibbles(v0, nibbles), v128.load(ab)), pairSumsOf(highNibbles(v0, nibbles), v128.load(ab, 16)));
    const s1 = i16x8.add(pairSumsOf(lowNibbles(v1, nibbles), v128.load(ab, 32)), pairSumsOf(highNibbles(v1, nibbles), v128.load(ab, 48)));
    const s2 = i16x8.add(pairSumsOf(lowNibbles(v2, nibbles), v128.load(ab, 64)), pairSumsOf(highNibbles(v2, nibbles), v128.load(ab, 80)));
    const s3 = i16x8.add(pairSumsOf(lowNibbles(v3, nibbles), v128.load(ab, 96)), pairSumsOf(highNibbles(v3, nibbles), v128.load(ab, 112)));
    return i32x4.dot_i16x8_s(i16x8.add(i16x8.add(s0, s1), i16x8.add(s2, s3)), ones);
  }
  /** The four scales of a placed group at `wg`, as f32x4. */
  @inline groupScales(wg: usize, halfBits: v128, halfScale: v128): v128 {
    return halves4(wg, 2, 4, halfBits, halfScale);
  }
  @inline scales4(wb: usize, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb, 18, count, halfBits, halfScale);
  }
  @inline mins4(wb: usize, scales: v128, count: i32, halfBits: v128, halfScale: v128): v128 {
    return f32x4.mul(scales, f32x4.splat(-8));
  }
  /** One row times one Q8 (32-block) activation record (block32.ts fusedDot32). */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return fusedDot32<Q4_0Format>(this, w, a, cols);
  }
  @inline get batch8(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 4; }
  /** Unsigned levels for the relaxed batched product (unpacked8.ts layout). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const np = paddedBlocks(cols);
    const placed = placedBlocks32(nb);
    let b = 0;
    // a placed group is already that layout's group of four blocks: the low nibbles of placed vector k
    // are piece k of each block, the high nibbles piece 4 + k
    for (; b < placed; b += 4) {
      const wg = w + <usize>b * 18;
      const o = block32rAt(u, b);
      for (let k = 0; k < 4; k++) {
        const p = v128.load(wg + 8 + (<usize>k << 4));
        v128.store(o + (<usize>k << 4), lowNibbles(p));
        v128.store(o + 64 + (<usize>k << 4), highNibbles(p));
      }
      for (let c = 0; c < 4; c++) {
        const d = scaleAt(wg + (<usize>c << 1));
        storeRow8Scale(u, np, b + c, d, d * -8);
      }
    }
    for (; b < np; b++) {
      if (b >= nb) {
        storeRow8Block(u, np, b, i8x16.splat(0), i8x16.splat(0), 0, 0);
        continue;
      }
      const v = blockQs(w, b, placed);
      const lo = lowNibbles(v);
      const hi = highNibbles(v);
      const d = scaleAt(scaleAddress(w, b, placed));
      storeRow8Block(u, np, b, lo, hi, d, d * -8);
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    const placed = placedBlocks32(nb);
    const eight = byteBit(3);
    for (let b = 0; b < nb; b++) {
      const v = blockQs(w, b, placed);
      const d = halfAt(scaleAddress(w, b, placed));
      const o = dst + (<usize>b << 7);
      storeScaled16(o, i8x16.sub(lowNibbles(v), eight), d);
      storeScaled16(o + 64, i8x16.sub(highNibbles(v), eight), d);
    }
  }
}

// Q5_1: blocks of 32 values in 24 bytes: half d; half m; u32 qh; u8 qs[16] (as Q5_0).  x[j] = q[j] * d + m

import { ACT_Q8_32 } from '../unpacked';
import {
  fusedDot32,
  groupOf,
  halfAt,
  halves4,
  highNibbles,
  levels5,
  lowNibbles,
  paddedBlocks,
  padUnpacked32,
  scaleAt,
  storeInterleaved,
  storeScaledMin16,
  sumLevels5,
} from './block32';
import { groupedHalfAt, groupedQh, groupedQs, GROUPS_PLACED, placedGroupBlocks, unpackGroupRow8 } from './groups4';

@final @unmanaged
export class Q5_1Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 24; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const placed = placedGroupBlocks(nb);
    const ud = u + (<usize>paddedBlocks(cols) << 6);
    const um = ud + (<usize>paddedBlocks(cols) << 2);
    for (let b = 0; b < nb; b++) {
      const qh = groupedQh(w, b, placed, this.groupFields);
      const v = groupedQs(w, b, placed, this.groupFields, this.groupQh);
      store<f32>(ud + (<usize>b << 2), scaleAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 0)));
      store<f32>(um + (<usize>b << 2), scaleAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 1)));
      storeInterleaved(groupOf(u, b), b & 3, levels5(lowNibbles(v), qh & 0xffff), levels5(highNibbles(v), qh >> 16));
    }
    padUnpacked32(u, cols);
  }
  @inline blockDot(wb: usize, ab: usize, nibbles: v128, ones: v128): v128 {
    return sumLevels5(v128.load(wb, 8), load<u32>(wb, 4), ab, nibbles, ones);
  }
  /** Rows in placed groups of four blocks (relaxed builds; formats/groups4.ts, block32.ts fusedDot32). */
  @inline get placedGroups(): bool { return GROUPS_PLACED; }
  /** Half fields a block in the placed layout: the scale and the min. */
  @inline get groupFields(): i32 { return 2; }
  /** u32s of fifth bits a block in the placed layout. */
  @inline get groupQh(): i32 { return 1; }
  @inline scales4(wb: usize, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb, 24, count, halfBits, halfScale);
  }
  @inline mins4(wb: usize, scales: v128, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb + 2, 24, count, halfBits, halfScale);
  }
  /** One row times one Q8 (32-block) activation record (block32.ts fusedDot32). */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return fusedDot32<Q5_1Format>(this, w, a, cols);
  }
  @inline get batch8(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 5; }
  /**
   * The relaxed batched product sums (q - 16) * a, which fit in i16 where q * a do not, and takes m + 16 d
   * as the min (unpacked8.ts offsetShiftOf): the two-row kernel of the 4-bit formats.
   */
  @inline get batchOffsetShift(): i32 { return 4; }
  /** Unsigned levels, d and m + 16 d for the relaxed batched product (unpacked8.ts layout). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unpackGroupRow8<Q5_1Format>(this, w, cols, u);
  }
  /** Block b's min in the relaxed batched layout: its own plus 16 d (the batched sums take (q - 16) * a; see batchOffsetShift). */
  @inline row8Min(w: usize, b: i32, placed: i32, d: f32): f32 {
    return scaleAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 1)) + d * 16;
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    const placed = placedGroupBlocks(nb);
    for (let b = 0; b < nb; b++) {
      const qh = groupedQh(w, b, placed, this.groupFields);
      const v = groupedQs(w, b, placed, this.groupFields, this.groupQh);
      const d = halfAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 0));
      const m = halfAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 1));
      const o = dst + (<usize>b << 7);
      storeScaledMin16(o, levels5(lowNibbles(v), qh & 0xffff), d, m);
      storeScaledMin16(o + 64, levels5(highNibbles(v), qh >> 16), d, m);
    }
  }
}

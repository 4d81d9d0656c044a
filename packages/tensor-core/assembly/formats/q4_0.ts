// Q4_0: blocks of 32 values in 18 bytes: half d; u8 qs[16] (byte j: low nibble = value j, high = j + 16).
// x[j] = (q[j] - 8) * d, computed as d * q + m with m = -8 d (unsigned levels suit the relaxed dot).
//
// Placement (relaxed builds): rows in groups of four blocks, formats/groups4.ts (one half field, the scale).

import { actOffset, sumU32 } from '../simd-dot';
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
  storeScaled16,
} from './block32';
import { byteBit } from '../vconst';
import { groupedHalfAt, groupedQs, GROUPS_PLACED, placedGroupBlocks, unpackGroupRow8 } from './groups4';

@final @unmanaged
export class Q4_0Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 18; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return true; }
  /** Values are d * (q - 2^levelOffsetShift): the relaxed fused product subtracts the offset in integers. */
  @inline get levelOffsetShift(): i32 { return 3; }
  @inline get direct(): bool { return false; }
  /** Rows in placed groups of four blocks (relaxed builds; formats/groups4.ts, block32.ts fusedDot32). */
  @inline get placedGroups(): bool { return GROUPS_PLACED; }
  /** Half fields a block in the placed layout: the scale. */
  @inline get groupFields(): i32 { return 1; }
  /** u32s of fifth bits a block in the placed layout. */
  @inline get groupQh(): i32 { return 0; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const placed = placedGroupBlocks(nb);
    const ud = u + (<usize>paddedBlocks(cols) << 6);
    const um = ud + (<usize>paddedBlocks(cols) << 2);
    for (let b = 0; b < nb; b++) {
      const v = groupedQs(w, b, placed, this.groupFields, this.groupQh);
      const d = scaleAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 0));
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
    unpackGroupRow8<Q4_0Format>(this, w, cols, u);
  }
  /** Block b's min in the relaxed batched layout: its level offset, -8 d. */
  @inline row8Min(w: usize, b: i32, placed: i32, d: f32): f32 {
    return d * -8;
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    const placed = placedGroupBlocks(nb);
    const eight = byteBit(3);
    for (let b = 0; b < nb; b++) {
      const v = groupedQs(w, b, placed, this.groupFields, this.groupQh);
      const d = halfAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 0));
      const o = dst + (<usize>b << 7);
      storeScaled16(o, i8x16.sub(lowNibbles(v), eight), d);
      storeScaled16(o + 64, i8x16.sub(highNibbles(v), eight), d);
    }
  }
}

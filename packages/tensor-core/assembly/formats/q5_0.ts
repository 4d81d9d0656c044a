// Q5_0: blocks of 32 values in 22 bytes: half d; u32 qh (bit j = 5th bit of value j); u8 qs[16]
// (low 4 bits, nibbles as Q4_0).  x[j] = (q[j] - 16) * d, computed as d * q + m with m = -16 d.

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
  storeScaled16,
  sumLevels5,
} from './block32';
import { groupedHalfAt, groupedQh, groupedQs, GROUPS_PLACED, placedGroupBlocks, unpackGroupRow8 } from './groups4';
import { byteBit } from '../vconst';

/** Levels minus 16 (-16 .. 15), as dequantization uses them. */
@inline
function signedLevel5(nibbles: v128, bits: u32): v128 {
  return i8x16.sub(levels5(nibbles, bits), byteBit(4));
}

@final @unmanaged
export class Q5_0Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 22; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return true; }
  /** Values are d * (q - 2^levelOffsetShift): the relaxed fused product subtracts the offset in integers. */
  @inline get levelOffsetShift(): i32 { return 4; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const placed = placedGroupBlocks(nb);
    const ud = u + (<usize>paddedBlocks(cols) << 6);
    const um = ud + (<usize>paddedBlocks(cols) << 2);
    for (let b = 0; b < nb; b++) {
      const qh = groupedQh(w, b, placed, this.groupFields);
      const v = groupedQs(w, b, placed, this.groupFields, this.groupQh);
      const d = scaleAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 0));
      store<f32>(ud + (<usize>b << 2), d);
      store<f32>(um + (<usize>b << 2), d * -16);
      storeInterleaved(groupOf(u, b), b & 3, levels5(lowNibbles(v), qh & 0xffff), levels5(highNibbles(v), qh >> 16));
    }
    padUnpacked32(u, cols);
  }
  @inline blockDot(wb: usize, ab: usize, nibbles: v128, ones: v128): v128 {
    return sumLevels5(v128.load(wb, 6), load<u32>(wb, 2), ab, nibbles, ones);
  }
  /** Rows in placed groups of four blocks (relaxed builds; formats/groups4.ts, block32.ts fusedDot32). */
  @inline get placedGroups(): bool { return GROUPS_PLACED; }
  /** Half fields a block in the placed layout: the scale. */
  @inline get groupFields(): i32 { return 1; }
  /** u32s of fifth bits a block in the placed layout. */
  @inline get groupQh(): i32 { return 1; }
  @inline scales4(wb: usize, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb, 22, count, halfBits, halfScale);
  }
  @inline mins4(wb: usize, scales: v128, count: i32, halfBits: v128, halfScale: v128): v128 {
    return f32x4.mul(scales, f32x4.splat(-16));
  }
  /** One row times one Q8 (32-block) activation record (block32.ts fusedDot32). */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return fusedDot32<Q5_0Format>(this, w, a, cols);
  }
  @inline get batch8(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 5; }
  /** Unsigned levels for the relaxed batched product (unpacked8.ts layout). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unpackGroupRow8<Q5_0Format>(this, w, cols, u);
  }
  /** Block b's min in the relaxed batched layout: its level offset, -16 d. */
  @inline row8Min(w: usize, b: i32, placed: i32, d: f32): f32 {
    return d * -16;
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    const placed = placedGroupBlocks(nb);
    for (let b = 0; b < nb; b++) {
      const qh = groupedQh(w, b, placed, this.groupFields);
      const v = groupedQs(w, b, placed, this.groupFields, this.groupQh);
      const d = halfAt(groupedHalfAt(w, b, placed, this.groupFields, this.groupQh, 0));
      const o = dst + (<usize>b << 7);
      storeScaled16(o, signedLevel5(lowNibbles(v), qh & 0xffff), d);
      storeScaled16(o + 64, signedLevel5(highNibbles(v), qh >> 16), d);
    }
  }
}

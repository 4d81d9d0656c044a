// Q4_1: blocks of 32 values in 20 bytes: half d; half m; u8 qs[16] (nibbles as Q4_0).  x[j] = q[j] * d + m

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
  storeRow8Block,
  storeScaledMin16,
} from './block32';

@final @unmanaged
export class Q4_1Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 20; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const ud = u + (<usize>paddedBlocks(cols) << 6);
    const um = ud + (<usize>paddedBlocks(cols) << 2);
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 20;
      const v = v128.load(wb, 4);
      store<f32>(ud + (<usize>b << 2), scaleAt(wb));
      store<f32>(um + (<usize>b << 2), scaleAt(wb + 2));
      storeInterleaved(groupOf(u, b), b & 3, lowNibbles(v), highNibbles(v));
    }
    padUnpacked32(u, cols);
  }
  @inline blockDot(wb: usize, ab: usize, nibbles: v128, ones: v128): v128 {
    const v = v128.load(wb, 4);
    return sumU32(lowNibbles(v, nibbles), ab, highNibbles(v, nibbles), ab + actOffset(16), ones);
  }
  @inline scales4(wb: usize, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb, 20, count, halfBits, halfScale);
  }
  @inline mins4(wb: usize, scales: v128, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb + 2, 20, count, halfBits, halfScale);
  }
  /** One row times one Q8 (32-block) activation record (block32.ts fusedDot32). */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return fusedDot32<Q4_1Format>(this, w, a, cols);
  }
  @inline get batch8(): bool { return true; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 4; }
  /** Unsigned levels for the relaxed batched product (unpacked8.ts layout). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const np = paddedBlocks(cols);
    for (let b = 0; b < np; b++) {
      if (b >= nb) {
        storeRow8Block(u, np, b, i8x16.splat(0), i8x16.splat(0), 0, 0);
        continue;
      }
      const wb = w + <usize>b * 20;
      const v = v128.load(wb, 4);
      const lo = lowNibbles(v);
      const hi = highNibbles(v);
      storeRow8Block(u, np, b, lo, hi, scaleAt(wb), scaleAt(wb + 2));
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 20;
      const v = v128.load(wb, 4);
      const d = halfAt(wb);
      const m = halfAt(wb + 2);
      const o = dst + (<usize>b << 7);
      storeScaledMin16(o, lowNibbles(v), d, m);
      storeScaledMin16(o + 64, highNibbles(v), d, m);
    }
  }
}

// Q8_0: blocks of 32 values in 34 bytes: half d; i8 qs[32].  x[j] = d * qs[j]

import { actOffset, dotS16, dotSplit32 } from '../simd-dot';
import { ACT_Q8_32 } from '../unpacked';
import {
  fusedDot32,
  groupOf,
  halfAt,
  halves4,
  padUnpacked32,
  paddedBlocks,
  scaleAt,
  storeInterleaved,
  storeScaled16,
  unpackSignedRow8,
} from './block32';

@final @unmanaged
export class Q8_0Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 34; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const ud = u + (<usize>paddedBlocks(cols) << 6);
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 34;
      store<f32>(ud + (<usize>b << 2), scaleAt(wb));
      storeInterleaved(groupOf(u, b), b & 3, v128.load(wb, 2), v128.load(wb, 18));
    }
    padUnpacked32(u, cols);
  }
  /**
   * Fused products read split records in the VNNI build only (block32.ts recordOffset): without the fused
   * dot-add, the split's two extra multiplies per 16 levels cost more than the sign transfer they save
   * (0.96-0.98x per core).
   */
  @inline get splitSigns(): bool { return VNNI != 0; }
  @inline blockDot(wb: usize, ab: usize, nibbles: v128, ones: v128): v128 {
    if (VNNI) return dotSplit32(v128.load(wb, 2), v128.load(wb, 18), ab);
    return dotS16(v128.load(wb, 18), ab + actOffset(16), dotS16(v128.load(wb, 2), ab, i32x4.splat(0), ones), ones);
  }
  @inline scales4(wb: usize, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb, 34, count, halfBits, halfScale);
  }
  @inline mins4(wb: usize, scales: v128, count: i32, halfBits: v128, halfScale: v128): v128 {
    return f32x4.splat(0);
  }
  /** One row times one Q8 (32-block) activation record (block32.ts fusedDot32). */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return fusedDot32<Q8_0Format>(this, w, a, cols);
  }
  /**
   * The 8-bit batched product in the VNNI build only, with activations split by sign (unpacked8.ts
   * dotSplit8Pair4): its signed levels are the signed operands of the fused dot-add. Without the fused
   * dot-add the split's products cost more than the i16 kernels (unpacked.ts).
   */
  @inline get batch8(): bool { return VNNI != 0; }
  /** The relaxed batched product takes the activations split by sign (activations.ts quantize_q8_32r, -2). */
  @inline get batchSplit(): bool { return true; }
  /** Bits of the levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  /** The signed levels as they are, in the relaxed batched layout (block32.ts unpackSignedRow8). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unpackSignedRow8<Q8_0Format>(this, w, cols, u);
  }
  @inline row8Low(wb: usize): v128 {
    return v128.load(wb, 2);
  }
  @inline row8High(wb: usize): v128 {
    return v128.load(wb, 18);
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 34;
      const d = halfAt(wb);
      const o = dst + (<usize>b << 7);
      storeScaled16(o, v128.load(wb, 2), d);
      storeScaled16(o + 64, v128.load(wb, 18), d);
    }
  }
}

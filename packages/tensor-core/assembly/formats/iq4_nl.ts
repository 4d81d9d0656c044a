// IQ4_NL: blocks of 32 values in 18 bytes: half d; u8 qs[16] (nibbles as Q4_0) indexing a fixed table of
// 16 non-linear levels.  x[j] = d * KVALUES[q[j]]

import { actOffset, dotS16, dotSplit32 } from '../simd-dot';
import { ACT_Q8_32 } from '../unpacked';
import {
  fusedDot32,
  groupOf,
  halfAt,
  halves4,
  highNibbles,
  lookup16,
  lowNibbles,
  padUnpacked32,
  paddedBlocks,
  scaleAt,
  storeInterleaved,
  storeScaled16,
  unpackSignedRow8,
} from './block32';
import { VI, vi } from '../vconst';

/** ggml's kvalues_iq4nl, one level per byte lane (looked up with a swizzle). */
@inline
export function iq4Levels(): v128 {
  return vi(VI.IQ4_LEVELS); // -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113
}

@final @unmanaged
export class Iq4NlFormat {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 18; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const ud = u + (<usize>paddedBlocks(cols) << 6);
    const kv = iq4Levels();
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 18;
      const v = v128.load(wb, 2);
      store<f32>(ud + (<usize>b << 2), scaleAt(wb));
      storeInterleaved(groupOf(u, b), b & 3, lookup16(kv, lowNibbles(v)), lookup16(kv, highNibbles(v)));
    }
    padUnpacked32(u, cols);
  }
  /**
   * Fused products read split records in every relaxed build (block32.ts recordOffset): the table levels
   * would each take the sign transfer (simd-dot.ts signedPairSums) per row, which costs more than the
   * split's extra multiplies even without the fused dot-add.
   */
  @inline get splitSigns(): bool { return RELAXED != 0; }
  @inline blockDot(wb: usize, ab: usize, nibbles: v128, ones: v128): v128 {
    const kv = iq4Levels();
    const v = v128.load(wb, 2);
    if (RELAXED) return dotSplit32(lookup16(kv, lowNibbles(v, nibbles)), lookup16(kv, highNibbles(v, nibbles)), ab);
    return dotS16(
      lookup16(kv, highNibbles(v, nibbles)),
      ab + actOffset(16),
      dotS16(lookup16(kv, lowNibbles(v, nibbles)), ab, i32x4.splat(0), ones),
      ones,
    );
  }
  @inline scales4(wb: usize, count: i32, halfBits: v128, halfScale: v128): v128 {
    return halves4(wb, 18, count, halfBits, halfScale);
  }
  @inline mins4(wb: usize, scales: v128, count: i32, halfBits: v128, halfScale: v128): v128 {
    return f32x4.splat(0);
  }
  /** One row times one Q8 (32-block) activation record (block32.ts fusedDot32). */
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return fusedDot32<Iq4NlFormat>(this, w, a, cols);
  }
  /**
   * The 8-bit batched product in the VNNI build only, as Q8_0's (formats/q8_0.ts): the table levels are the
   * signed operands against activations split by sign (unpacked8.ts dotSplit8Pair4).
   */
  @inline get batch8(): bool { return VNNI != 0; }
  @inline get batchSplit(): bool { return true; }
  /** Bits of the levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  /** The table levels (signed) in the relaxed batched layout (block32.ts unpackSignedRow8). */
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unpackSignedRow8<Iq4NlFormat>(this, w, cols, u);
  }
  @inline row8Low(wb: usize): v128 {
    return lookup16(iq4Levels(), lowNibbles(v128.load(wb, 2)));
  }
  @inline row8High(wb: usize): v128 {
    return lookup16(iq4Levels(), highNibbles(v128.load(wb, 2)));
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    const kv = iq4Levels();
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 18;
      const v = v128.load(wb, 2);
      const d = halfAt(wb);
      const o = dst + (<usize>b << 7);
      storeScaled16(o, lookup16(kv, lowNibbles(v)), d);
      storeScaled16(o + 64, lookup16(kv, highNibbles(v)), d);
    }
  }
}

// Q5_1: blocks of 32 values in 24 bytes: half d; half m; u32 qh; u8 qs[16] (as Q5_0).  x[j] = q[j] * d + m

import { hsum } from '../common';
import { actOffset, dotU16 } from '../simd-dot';
import { ACT_Q8_32 } from '../unpacked';
import { bitMask16, halfAt, highNibbles, lowNibbles, storeBlockLevels, storeScaledMin16 } from './block32';

/** Levels 0..31: nibble plus 16 where the high bit is set. */
@inline
function level5(nibbles: v128, bits: u32): v128 {
  return v128.or(nibbles, v128.and(i8x16.splat(16), bitMask16(bits)));
}

@final @unmanaged
export class Q5_1Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 24; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return true; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const ud = u + (<usize>cols << 1);
    const um = ud + (<usize>nb << 2);
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 24;
      const qh = load<u32>(wb, 4);
      const v = v128.load(wb, 8);
      store<f32>(ud + (<usize>b << 2), halfAt(wb));
      store<f32>(um + (<usize>b << 2), halfAt(wb + 2));
      storeBlockLevels(u + (<usize>b << 6), level5(lowNibbles(v), qh & 0xffff), level5(highNibbles(v), qh >> 16));
    }
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    const nb = cols >> 5;
    const ad = a + (<usize>cols << 1);
    const as = ad + (<usize>nb << 2);
    let acc = f32x4.splat(0);
    let mins: f32 = 0;
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 24;
      const ab = a + actOffset(b << 5);
      const qh = load<u32>(wb, 4);
      const v = v128.load(wb, 8);
      const lo = level5(lowNibbles(v), qh & 0xffff);
      const hi = level5(highNibbles(v), qh >> 16);
      const s = dotU16(hi, ab + actOffset(16), dotU16(lo, ab, i32x4.splat(0)));
      const bo = <usize>b << 2;
      acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(s), f32x4.splat(halfAt(wb) * load<f32>(ad + bo))));
      mins += halfAt(wb + 2) * load<f32>(as + bo);
    }
    return hsum(acc) + mins;
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 24;
      const qh = load<u32>(wb, 4);
      const v = v128.load(wb, 8);
      const d = halfAt(wb);
      const m = halfAt(wb + 2);
      const o = dst + (<usize>b << 7);
      storeScaledMin16(o, level5(lowNibbles(v), qh & 0xffff), d, m);
      storeScaledMin16(o + 64, level5(highNibbles(v), qh >> 16), d, m);
    }
  }
}

// Q5_0: blocks of 32 values in 22 bytes: half d; u32 qh (bit j = 5th bit of value j); u8 qs[16]
// (low 4 bits, nibbles as Q4_0).  x[j] = (q[j] - 16) * d

import { ACT_Q8_32 } from '../unpacked';
import { bitMask16, halfAt, highNibbles, lowNibbles, storeBlockLevels, storeScaled16 } from './block32';

/** Levels q - 16 of values 0..15 (`lo`) or 16..31: nibble minus 16 where the high bit is clear. */
@inline
function level5(nibbles: v128, bits: u32): v128 {
  return i8x16.sub(nibbles, v128.andnot(i8x16.splat(16), bitMask16(bits)));
}

@final @unmanaged
export class Q5_0Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 22; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const ud = u + (<usize>cols << 1);
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 22;
      const qh = load<u32>(wb, 2);
      const v = v128.load(wb, 6);
      store<f32>(ud + (<usize>b << 2), halfAt(wb));
      storeBlockLevels(u + (<usize>b << 6), level5(lowNibbles(v), qh & 0xffff), level5(highNibbles(v), qh >> 16));
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 22;
      const qh = load<u32>(wb, 2);
      const v = v128.load(wb, 6);
      const d = halfAt(wb);
      const o = dst + (<usize>b << 7);
      storeScaled16(o, level5(lowNibbles(v), qh & 0xffff), d);
      storeScaled16(o + 64, level5(highNibbles(v), qh >> 16), d);
    }
  }
}

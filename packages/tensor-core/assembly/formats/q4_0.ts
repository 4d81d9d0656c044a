// Q4_0: blocks of 32 values in 18 bytes: half d; u8 qs[16] (byte j: low nibble = value j, high = j + 16).
// x[j] = (q[j] - 8) * d

import { ACT_Q8_32 } from '../unpacked';
import { halfAt, highNibbles, lowNibbles, storeBlockLevels, storeScaled16 } from './block32';

@final @unmanaged
export class Q4_0Format {
  @inline get blockSize(): i32 { return 32; }
  @inline get blockBytes(): i32 { return 18; }
  @inline get actKind(): i32 { return ACT_Q8_32; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nb = cols >> 5;
    const ud = u + (<usize>cols << 1);
    const eight = i8x16.splat(8);
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 18;
      const v = v128.load(wb, 2);
      store<f32>(ud + (<usize>b << 2), halfAt(wb));
      storeBlockLevels(u + (<usize>b << 6), i8x16.sub(lowNibbles(v), eight), i8x16.sub(highNibbles(v), eight));
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nb = cols >> 5;
    const eight = i8x16.splat(8);
    for (let b = 0; b < nb; b++) {
      const wb = w + <usize>b * 18;
      const v = v128.load(wb, 2);
      const d = halfAt(wb);
      const o = dst + (<usize>b << 7);
      storeScaled16(o, i8x16.sub(lowNibbles(v), eight), d);
      storeScaled16(o + 64, i8x16.sub(highNibbles(v), eight), d);
    }
  }
}

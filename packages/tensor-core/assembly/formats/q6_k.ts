// Q6_K: super-blocks of 256 values in 210 bytes: u8 ql[128] (low 4 bits); u8 qh[64] (high 2 bits);
// i8 scales[16] (one per 16 values); half d.  Half h (128 values) uses ql[64h ..] and qh[32h ..]:
//   value 128h + l      = ql[l] low    | qh[l] bits 0-1      (l = 0..31)
//   value 128h + l + 32 = ql[l+32] low | qh[l] bits 2-3
//   value 128h + l + 64 = ql[l] high   | qh[l] bits 4-5
//   value 128h + l + 96 = ql[l+32] high| qh[l] bits 6-7
// x = (d * scale[s]) * (q - 32)

import { storeI8asI16Scaled } from '../common';
import { ACT_Q8_K } from '../unpacked';
import { halfAt, highNibbles, lowNibbles } from './block32';
import { scalesAt, storeScaledLevels } from './superblock';

/** The four 6-bit levels (minus 32) of values l .. l + 15 (+0, +32, +64, +96) from ql, ql + 32 and qh. */
@inline
function level6(nibbles: v128, top: v128, k: i32): v128 {
  const high = v128.and(k < 2 ? i16x8.shl(top, 4 - (k << 1)) : i16x8.shr_u(top, (k << 1) - 4), i8x16.splat(0x30));
  return i8x16.sub(v128.or(nibbles, high), i8x16.splat(32));
}

@final @unmanaged
export class Q6_KFormat {
  @inline get blockSize(): i32 { return 256; }
  @inline get blockBytes(): i32 { return 210; }
  @inline get actKind(): i32 { return ACT_Q8_K; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    const nbs = cols >> 8;
    const ud = scalesAt(u, cols);
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 210;
      store<f32>(ud + (<usize>b << 2), halfAt(wb + 208));
      const sc = wb + 192;
      const ub = u + (<usize>b << 9);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const ql = wb + (<usize>h << 6) + (<usize>r << 4);
          const a = v128.load(ql);
          const c = v128.load(ql, 32);
          const top = v128.load(wb + 128 + (<usize>h << 5) + (<usize>r << 4));
          const g = (h << 3) + r;
          const o = ub + (<usize>h << 8) + (<usize>r << 5);
          storeI8asI16Scaled(o, level6(lowNibbles(a), top, 0), load<i8>(sc + g));
          storeI8asI16Scaled(o + 64, level6(lowNibbles(c), top, 1), load<i8>(sc + g + 2));
          storeI8asI16Scaled(o + 128, level6(highNibbles(a), top, 2), load<i8>(sc + g + 4));
          storeI8asI16Scaled(o + 192, level6(highNibbles(c), top, 3), load<i8>(sc + g + 6));
        }
      }
    }
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    const nbs = cols >> 8;
    for (let b = 0; b < nbs; b++) {
      const wb = w + <usize>b * 210;
      const d = halfAt(wb + 208);
      const sc = wb + 192;
      const y = dst + (<usize>b << 10);
      for (let h = 0; h < 2; h++) {
        for (let r = 0; r < 2; r++) {
          const ql = wb + (<usize>h << 6) + (<usize>r << 4);
          const a = v128.load(ql);
          const c = v128.load(ql, 32);
          const top = v128.load(wb + 128 + (<usize>h << 5) + (<usize>r << 4));
          const g = (h << 3) + r;
          const o = y + (<usize>h << 9) + (<usize>r << 6);
          storeScaledLevels(o, level6(lowNibbles(a), top, 0), d * <f32>load<i8>(sc + g));
          storeScaledLevels(o + 128, level6(lowNibbles(c), top, 1), d * <f32>load<i8>(sc + g + 2));
          storeScaledLevels(o + 256, level6(highNibbles(a), top, 2), d * <f32>load<i8>(sc + g + 4));
          storeScaledLevels(o + 384, level6(highNibbles(c), top, 3), d * <f32>load<i8>(sc + g + 6));
        }
      }
    }
  }
}

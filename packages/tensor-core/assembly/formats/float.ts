// Plain float weight formats: F32 (used in place), F16 and BF16 (widened to f32 rows).
// Their matrix products multiply f32 weights with f32 activations (no activation quantization).

import { finiteHalfToF32, finiteHalfToF32x4, halfToF32, halfToF32x4, hsum, mulAdd } from '../common';
import { VI, vi } from '../vconst';
import { ACT_F32, dotF32x1 } from '../unpacked';

// Plain float formats: the fused product (dot1) widens as it goes; batches widen rows once (unpackRow).

/** F32: 4 bytes per value; rows are used where they lie. */
@final @unmanaged
export class F32Format {
  @inline get blockSize(): i32 { return 1; }
  @inline get blockBytes(): i32 { return 4; }
  @inline get actKind(): i32 { return ACT_F32; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return true; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    memory.copy(u, w, <usize>cols << 2);
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return dotF32x1(w, a, cols);
  }
  @inline get batch8(): bool { return false; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unreachable();
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    memory.copy(dst, w, <usize>cols << 2);
  }
}

/**
 * f16 row `w` times f32 row `x`, widening as it goes, in the summation order of unpacked.ts dotF32x1 /
 * dotF32x4 (bit for bit). Widening here treats weights as finite (common.ts finiteHalfToF32x4).
 */
@inline
function dotHalfRow(w: usize, x: usize, cols: i32): f32 {
  let acc = f32x4.splat(0);
  // the conversion's constants, loaded once per row (vconst.ts)
  const magnitudeMask = vi(VI.HALF_MAGNITUDE);
  const limit = vi(VI.HALF_SUBNORMAL_LIMIT);
  const rebias = vi(VI.HALF_REBIAS);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const wv = finiteHalfToF32x4(v128.load16x4_u(w + (<usize>j << 1)), magnitudeMask, limit, rebias);
    acc = mulAdd(wv, v128.load(x + (<usize>j << 2)), acc);
  }
  let s = hsum(acc);
  for (; j < cols; j++) s += finiteHalfToF32(load<u16>(w + (<usize>j << 1))) * load<f32>(x + (<usize>j << 2));
  return s;
}

/** bf16 row `w` times f32 row `x` (summation order of dotF32x1, bit for bit). */
@inline
function dotBf16Row(w: usize, x: usize, cols: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    acc = mulAdd(i32x4.shl(v128.load16x4_u(w + (<usize>j << 1)), 16), v128.load(x + (<usize>j << 2)), acc);
  }
  let s = hsum(acc);
  for (; j < cols; j++) s += reinterpret<f32>(<u32>load<u16>(w + (<usize>j << 1)) << 16) * load<f32>(x + (<usize>j << 2));
  return s;
}

/** Widens `cols` halves at `w` to f32 at `dst`, exactly. */
@inline
function widenHalves(w: usize, cols: i32, dst: usize): void {
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    const v = v128.load(w + (<usize>j << 1));
    const o = dst + (<usize>j << 2);
    v128.store(o, halfToF32x4(i32x4.extend_low_i16x8_u(v)));
    v128.store(o, halfToF32x4(i32x4.extend_high_i16x8_u(v)), 16);
  }
  for (; j < cols; j++) store<f32>(dst + (<usize>j << 2), halfToF32(load<u16>(w + (<usize>j << 1))));
}

/** F16: IEEE half, 2 bytes per value. */
@final @unmanaged
export class F16Format {
  @inline get blockSize(): i32 { return 1; }
  @inline get blockBytes(): i32 { return 2; }
  @inline get actKind(): i32 { return ACT_F32; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    widenHalves(w, cols, u);
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return dotHalfRow(w, a, cols);
  }
  @inline get batch8(): bool { return false; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unreachable();
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    widenHalves(w, cols, dst);
  }
}

/** Widens `cols` bfloat16 values at `w` to f32 at `dst` (the bits shifted up, exact). */
@inline
function widenBf16(w: usize, cols: i32, dst: usize): void {
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    const v = v128.load(w + (<usize>j << 1));
    const o = dst + (<usize>j << 2);
    v128.store(o, i32x4.shl(i32x4.extend_low_i16x8_u(v), 16));
    v128.store(o, i32x4.shl(i32x4.extend_high_i16x8_u(v), 16), 16);
  }
  for (; j < cols; j++) store<u32>(dst + (<usize>j << 2), <u32>load<u16>(w + (<usize>j << 1)) << 16);
}

/** BF16: the top 16 bits of an f32. */
@final @unmanaged
export class Bf16Format {
  @inline get blockSize(): i32 { return 1; }
  @inline get blockBytes(): i32 { return 2; }
  @inline get actKind(): i32 { return ACT_F32; }
  @inline get hasMin(): bool { return false; }
  @inline get direct(): bool { return false; }
  @inline unpackRow(w: usize, cols: i32, u: usize): void {
    widenBf16(w, cols, u);
  }
  @inline dot1(w: usize, a: usize, cols: i32): f32 {
    return dotBf16Row(w, a, cols);
  }
  @inline get batch8(): bool { return false; }
  /** Bits of the unsigned levels of the relaxed batched product (i16 headroom of its pair sums). */
  @inline get levelBits(): i32 { return 8; }
  @inline unpackRow8(w: usize, cols: i32, u: usize): void {
    unreachable();
  }
  @inline dequantRow(w: usize, cols: i32, dst: usize): void {
    widenBf16(w, cols, dst);
  }
}

// Shared pieces of the 32-value block formats (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL): unpacking a
// block's 32 levels (two i8x16: values 0..15 and 16..31) and dequantizing them exactly as ggml does.

import { halfToF32 } from '../common';

/** The low nibble of each byte. */
@inline
export function lowNibbles(v: v128): v128 {
  return v128.and(v, i8x16.splat(0x0f));
}

/** The high nibble of each byte. */
@inline
export function highNibbles(v: v128): v128 {
  return v128.and(i16x8.shr_u(v, 4), i8x16.splat(0x0f));
}

/** 0xff in byte j where bit j of the 16-bit `bits` is set, else 0. */
@inline
export function bitMask16(bits: u32): v128 {
  const spread = i8x16.swizzle(i16x8.splat(<i16>bits), i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const select = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return i8x16.eq(v128.and(spread, select), select);
}

/** Stores a block's 32 levels (`lo`: values 0..15, `hi`: 16..31) as i16 at `u`, and its scale/min. */
@inline
export function storeBlockLevels(u: usize, lo: v128, hi: v128): void {
  v128.store(u, i16x8.extend_low_i8x16_s(lo));
  v128.store(u, i16x8.extend_high_i8x16_s(lo), 16);
  v128.store(u, i16x8.extend_low_i8x16_s(hi), 32);
  v128.store(u, i16x8.extend_high_i8x16_s(hi), 48);
}

/** Stores 16 signed byte levels times `d` as f32 at `dst` (each product rounded once, as in C). */
@inline
export function storeScaled16(dst: usize, v: v128, d: f32): void {
  const ds = f32x4.splat(d);
  const l = i16x8.extend_low_i8x16_s(v);
  const h = i16x8.extend_high_i8x16_s(v);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), ds));
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), ds), 16);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), ds), 32);
  v128.store(dst, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), ds), 48);
}

/** Stores 16 byte levels as `level * d + m` in f32 (product rounded, then sum rounded: no fused multiply-add). */
@inline
export function storeScaledMin16(dst: usize, v: v128, d: f32, m: f32): void {
  const ds = f32x4.splat(d);
  const ms = f32x4.splat(m);
  const l = i16x8.extend_low_i8x16_s(v);
  const h = i16x8.extend_high_i8x16_s(v);
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), ds), ms));
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), ds), ms), 16);
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), ds), ms), 32);
  v128.store(dst, f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), ds), ms), 48);
}

/** The half at `p` as f32. */
@inline
export function halfAt(p: usize): f32 {
  return halfToF32(load<u16>(p));
}

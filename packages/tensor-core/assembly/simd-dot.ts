// Integer dot products of 16 weight levels with 16 quantized activations, in the two builds:
//   RELAXED = 1 (relaxed SIMD): activations are stored as i8 and unsigned 7-bit weight levels go through
//     i32x4.relaxed_dot_i8x16_i7x16_add_s (16 multiply-adds in one instruction, VNNI on x86);
//   RELAXED = 0 (SIMD 128 only): activations are stored widened to i16 and levels are widened too, then
//     multiplied with i32x4.dot_i16x8_s.
// RELAXED is a compile-time constant (`asc --use RELAXED=0|1`, see asconfig.json): the other branch is
// not compiled in. In the i16 build, lane j of the result sums the products of levels 2j, 2j+1, 8+2j and
// 9+2j, exactly as the unpacked-row kernels (unpacked.ts) do, so both paths give identical sums.

/** Byte offset of activation level `e` in an activation record. */
@inline
export function actOffset(e: i32): usize {
  return RELAXED ? <usize>e : <usize>e << 1;
}

/** acc + partial sums of 16 unsigned levels (0..127, one per byte of `u`) times the 16 activations at `a`. */
@inline
export function dotU16(u: v128, a: usize, acc: v128): v128 {
  if (RELAXED) return i32x4.relaxed_dot_i8x16_i7x16_add_s(v128.load(a), u, acc);
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(u), v128.load(a));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(u), v128.load(a, 16));
  return i32x4.add(acc, i32x4.add(lo, hi));
}

/** acc + partial sums of 16 signed levels (any i8) times the 16 activations at `a`. */
@inline
export function dotS16(s: v128, a: usize, acc: v128): v128 {
  if (RELAXED) {
    const av = v128.load(a);
    const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(s), i16x8.extend_low_i8x16_s(av));
    const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(s), i16x8.extend_high_i8x16_s(av));
    return i32x4.add(acc, i32x4.add(lo, hi));
  }
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(s), v128.load(a));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(s), v128.load(a, 16));
  return i32x4.add(acc, i32x4.add(lo, hi));
}

/** acc + sub-block partial sums times an integer scale. */
@inline
export function scaled(acc: v128, sums: v128, scale: i32): v128 {
  return i32x4.add(acc, i32x4.mul(sums, i32x4.splat(scale)));
}

/** Sum over 16 groups of (i16 mins at `m`) * (i16 activation group sums at `bsums`). */
@inline
export function minDot16(m: v128, m2: v128, bsums: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(m, v128.load(bsums)), i32x4.dot_i16x8_s(m2, v128.load(bsums, 16)));
}

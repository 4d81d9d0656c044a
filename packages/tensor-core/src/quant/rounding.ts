/**
 * The rounding and float32 helpers of ggml's C reference code, exact in JavaScript doubles.
 *
 * ggml computes in `float`. A JS number is a double, so every f32 operation is written as
 * `f32(a op b)` with `f32 = Math.fround`: for +, -, *, / and sqrt of f32 operands, rounding the exact double result to f32 gives
 * the correctly rounded f32 result (a double holds more than 2 * 24 + 2 bits), so this is bit exact.
 */

/** C's `FLT_MAX`. */
export const FLT_MAX = 3.4028234663852886e38;

/** C `roundf`: rounds half away from zero (JS `Math.round` rounds half towards +infinity). */
export function roundAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

const magicF32 = new Float32Array(1);
const magicI32 = new Int32Array(magicF32.buffer);

/**
 * ggml's `nearest_int(fval)`: adds 1.5 * 2^23 in float and reads the low mantissa bits, which rounds to the
 * nearest integer with ties to even for |fval| < 2^22. `x` must already be an f32 value.
 * Outside that range (and for NaN / infinity, which ggml asserts never happen) the bit trick is emulated
 * as C does it: NaN gives 0, +-infinity give -2^22.
 */
export function nearestInt(x: number): number {
  if (Math.abs(x) < 4194304) {
    // f32 addition of 12582912 rounds to an integer, ties to even; exact in doubles (see module comment).
    return Math.fround(x + 12582912) - 12582912;
  }
  magicF32[0] = x + 12582912;
  return (magicI32[0] & 0x007fffff) - 0x00400000;
}

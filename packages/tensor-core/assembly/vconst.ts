// Vector constants of the kernels' loops, read from memory instead of written as `v128.const`.
//
// Node 24's V8 (13.6, whose wasm pipeline is Turboshaft) builds a v128 constant afresh at every use
// inside a loop: a 64-bit immediate move, a vmovq and a vpunpcklqdq, three instructions each time, where
// Node 20 and 22 keep it in a register for the whole loop. A decode loop uses four to eight per block, so
// under Node 24 Q4_0 decode ran at 0.8x of Node 20's speed and Q6_K at 0.55x. A load is one
// instruction. Loops that matter load their constants once, before the loop (the decode products: once
// per row), and pass them down to the helpers, whose parameters default to a load at the point of use;
// Node 20 then keeps them in registers as before (a load inside the loop cost it 3-6%). Measured
// (bench/ab-decode.mjs, one thread): Node 24 decode 1.16x (Q8_0) to 1.40x (Q4_0), Node 20 and 22
// unchanged, Chromium 156 1.03-1.12x. Zero and all-ones constants stay literal: V8 makes them with one
// register-clearing instruction.

/** Rows of {@link I32_TABLE}: one v128 (four i32 words) each. */
export const enum VI {
  /** 0x0f in every byte: a nibble mask. */
  NIBBLES,
  /** 1 in every i16 lane: the widening multiply that sums i16 pairs. */
  I16_ONES,
  /** 2^k in every byte, k = 0..7 (rows BYTE_BIT0 + k). */
  BYTE_BIT0,
  BYTE_BIT1,
  BYTE_BIT2,
  BYTE_BIT3,
  BYTE_BIT4,
  BYTE_BIT5,
  BYTE_BIT6,
  BYTE_BIT7,
  /** 3 in every byte (two-bit fields). */
  BYTE_3,
  /** 0x30 in every byte (bits 4 and 5). */
  BYTE_0x30,
  /** Sign, exponent and mantissa bits of a half shifted right by 3 in the high half of an i32 lane. */
  SHIFTED_HALF_BITS,
  /** Masks of superblock.ts scalesK4v: the low words and the high bits of the six-bit scales. */
  K4_LOW_MASK,
  K4_HIGH_MASK,
  /** ggml's kvalues_iq4nl, one level per byte. */
  IQ4_LEVELS,
  /** f32 bits of 1.5 * 2^23: a whole number w in (-2^22, 2^22) added to 1.5 * 2^23 has bits this + w. */
  ROUND_BIAS_BITS,
  /** 0x7fffffff: every bit but the sign. */
  ABS_MASK,
  /** 127 in every i32 lane (the f32 exponent bias). */
  EXP_BIAS,
  /** 0x7fff: a half's exponent and mantissa bits. */
  HALF_MAGNITUDE,
  /** 0x400: half magnitudes below it are subnormal. */
  HALF_SUBNORMAL_LIMIT,
  /** 0x38000000 = (127 - 15) << 23: rebiases a half's exponent, shifted into f32 position, to f32's. */
  HALF_REBIAS,
  /** 0x7c00 in every i16 lane: a half's exponent bits (all zero: subnormal or zero). */
  HALF_EXPONENTS,
  /** 0x3f, 0xc0 and 0x0c in every byte (placed Q6_K: a level's six bits, the two above them, bits 2-3). */
  BYTE_0x3F,
  BYTE_0xC0,
  BYTE_0x0C,
  /** IQ4_XS scales (formats/iq4_xs.ts scalesXs): i16 multipliers moving each lane's 2 high bits or 4 low bits to the top, and 32 in every i16 lane. */
  XS_HIGH_MULS,
  XS_LOW_MULS,
  I16_32,
}

const I32_TABLE: usize = memory.data<i32>(
  [
    0x0f0f0f0f, 0x0f0f0f0f, 0x0f0f0f0f, 0x0f0f0f0f,
    0x00010001, 0x00010001, 0x00010001, 0x00010001,
    0x01010101, 0x01010101, 0x01010101, 0x01010101,
    0x02020202, 0x02020202, 0x02020202, 0x02020202,
    0x04040404, 0x04040404, 0x04040404, 0x04040404,
    0x08080808, 0x08080808, 0x08080808, 0x08080808,
    0x10101010, 0x10101010, 0x10101010, 0x10101010,
    0x20202020, 0x20202020, 0x20202020, 0x20202020,
    0x40404040, 0x40404040, 0x40404040, 0x40404040,
    0x80808080, 0x80808080, 0x80808080, 0x80808080,
    0x03030303, 0x03030303, 0x03030303, 0x03030303,
    0x30303030, 0x30303030, 0x30303030, 0x30303030,
    0x8fffe000, 0x8fffe000, 0x8fffe000, 0x8fffe000,
    0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f,
    0x00000000, 0x30303030, 0x00000000, 0x30303030,
    // -127, -104, -83, -65 | -49, -35, -22, -10 | 1, 13, 25, 38 | 53, 69, 89, 113 (little-endian bytes)
    0xbfad9881, 0xf6eaddcf, 0x26190d01, 0x71594535,
    0x4b400000, 0x4b400000, 0x4b400000, 0x4b400000,
    0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
    0x0000007f, 0x0000007f, 0x0000007f, 0x0000007f,
    0x00007fff, 0x00007fff, 0x00007fff, 0x00007fff,
    0x00000400, 0x00000400, 0x00000400, 0x00000400,
    0x38000000, 0x38000000, 0x38000000, 0x38000000,
    0x7c007c00, 0x7c007c00, 0x7c007c00, 0x7c007c00,
    0x3f3f3f3f, 0x3f3f3f3f, 0x3f3f3f3f, 0x3f3f3f3f,
    0xc0c0c0c0, 0xc0c0c0c0, 0xc0c0c0c0, 0xc0c0c0c0,
    0x0c0c0c0c, 0x0c0c0c0c, 0x0c0c0c0c, 0x0c0c0c0c,
    // i16 lanes 2^14, 2^12, ..., 2^0 | 2^12, 2^8, 2^4, 1 (twice) | 32
    0x10004000, 0x01000400, 0x00100040, 0x00010004,
    0x01001000, 0x00010010, 0x01001000, 0x00010010,
    0x00200020, 0x00200020, 0x00200020, 0x00200020,
  ],
  16,
);

/** Row `k` of the integer table. */
@inline
export function vi(k: VI): v128 {
  return v128.load(I32_TABLE + (<usize>k << 4));
}

/** 2^k in every byte, for a compile-time constant k (0..7). */
@inline
export function byteBit(k: i32): v128 {
  return v128.load(I32_TABLE + (<usize>(VI.BYTE_BIT0 + k) << 4));
}

/** Rows of {@link F32_TABLE}: one f32 in all four lanes each. */
export const enum VF {
  /** 2^112: times a half shifted into f32 position (see SHIFTED_HALF_BITS). */
  TWO_POW_112,
  /** 1.5 * 2^23 (see ROUND_BIAS_BITS). */
  ROUND_BIAS,
  /** common.ts expF32x4: its clamps, log2(e), ln 2 in two parts and the polynomial's coefficients. */
  EXP_HIGH,
  EXP_LOW,
  LOG2E,
  LN2_HIGH,
  LN2_LOW,
  EXP_C6,
  EXP_C5,
  EXP_C4,
  EXP_C3,
  HALF,
  ONE,
}

const F32_TABLE: usize = memory.data<f32>(
  [
    5.192296858534828e33, 5.192296858534828e33, 5.192296858534828e33, 5.192296858534828e33,
    12582912.0, 12582912.0, 12582912.0, 12582912.0,
    88.7, 88.7, 88.7, 88.7,
    -87.3, -87.3, -87.3, -87.3,
    1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634,
    0.693145751953125, 0.693145751953125, 0.693145751953125, 0.693145751953125,
    1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6,
    1.3888889e-3, 1.3888889e-3, 1.3888889e-3, 1.3888889e-3,
    8.3333333e-3, 8.3333333e-3, 8.3333333e-3, 8.3333333e-3,
    4.1666667e-2, 4.1666667e-2, 4.1666667e-2, 4.1666667e-2,
    1.6666667e-1, 1.6666667e-1, 1.6666667e-1, 1.6666667e-1,
    0.5, 0.5, 0.5, 0.5,
    1.0, 1.0, 1.0, 1.0,
  ],
  16,
);

/** Row `k` of the float table. */
@inline
export function vf(k: VF): v128 {
  return v128.load(F32_TABLE + (<usize>k << 4));
}

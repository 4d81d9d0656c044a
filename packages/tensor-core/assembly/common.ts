// Helpers shared by every kernel: work splitting between threads, half / bfloat16 conversion,
// horizontal sums, a vectorised exp, and the integer dot of 16 weights with 16 activations.
//
// Conventions of all kernels: pointers are byte offsets into the one linear memory (usize = u32, so up
// to 4 GiB); every exported kernel takes `ith, nth` (this thread's index and the thread count) first.

import { VF, VI, vf, vi } from './vconst';

/** 2^-14, the smallest normal half. */
const HALF_MIN_NORMAL: f32 = 6.103515625e-5;
/** (127 - 15) << 23: rebiases a half's exponent, shifted into f32 position, to f32's. */
const HALF_REBIAS: u32 = 0x38000000;

/** First item of thread `ith`'s share of `total` items split into `nth` near-equal contiguous ranges. */
@inline
export function shareStart(total: i32, ith: i32, nth: i32): i32 {
  return <i32>((<i64>total * ith) / nth);
}

/** One past the last item of thread `ith`'s share (see {@link shareStart}). */
@inline
export function shareEnd(total: i32, ith: i32, nth: i32): i32 {
  return <i32>((<i64>total * (ith + 1)) / nth);
}

/**
 * Claims the next chunk index from a shared counter (dynamic scheduling: a thread slowed by other
 * work on the machine takes fewer chunks). `counter` 0 means "no counter": thread `ith` then walks the
 * chunks `ith, ith + nth, ...` (only sensible for nth = 1).
 */
@inline
export function claimChunk(counter: usize, previous: i32, ith: i32, nth: i32): i32 {
  if (counter == 0) return previous < 0 ? ith : previous + nth;
  return atomic.add<i32>(counter, 1);
}

/** Rows of a guided chunk that starts at row `start` of `rows` (see {@link claimGuidedRows}). */
@inline
export function guidedChunkRows(start: i32, rows: i32, nth: i32, minRows: i32): i32 {
  return max(minRows, ((rows - start) / (nth << 1) + minRows - 1) & ~(minRows - 1));
}

/**
 * Guided scheduling over `rows` rows: claims the next chunk, whose size is a fixed function of where it
 * starts (half of the rows left, shared among the threads, in multiples of `minRows`, a power of two),
 * and returns its first row (`rows` or more when none is left). The first chunks are long contiguous
 * runs (hardware prefetchers follow them), the last ones short, so threads finish together. Chunk
 * bounds depend only on `rows`, `nth` and `minRows`, never on which thread claims what. `counter` 0:
 * no counter, one thread walking the chunks in order from `previous` (-1 at first).
 */
@inline
export function claimGuidedRows(counter: usize, previous: i32, rows: i32, nth: i32, minRows: i32): i32 {
  if (counter == 0) return previous < 0 ? 0 : previous + guidedChunkRows(previous, rows, nth, minRows);
  while (true) {
    const start = atomic.load<i32>(counter);
    if (start >= rows) return start;
    const next = start + guidedChunkRows(start, rows, nth, minRows);
    if (atomic.cmpxchg<i32>(counter, start, next) == start) return start;
  }
}

// Half to f32 conversions never put a subnormal f32 into an arithmetic operation: x86 cores take a
// microcode assist of ~100 cycles for each subnormal operand (wasm cannot set denormals-are-zero), and
// subnormal halves are common among the super-block scales of real models (a Q6_K `d` below 6.1e-5:
// converting it as bits * 2^112 doubled the time of a Q6_K decode product). Subnormal halves m * 2^-24
// are computed instead as the normal f32 (2^-14 + m * 2^-24) minus 2^-14, which is exact.

/** The magnitude of finite half bits `em` (sign cleared, below 0x7c00) as f32, exact. */
@inline
function halfMagnitude(em: u32): f32 {
  const placed = em << 13;
  const normal = reinterpret<f32>(placed + HALF_REBIAS);
  const subnormal = reinterpret<f32>(placed + HALF_REBIAS + 0x800000) - HALF_MIN_NORMAL;
  return em < 0x400 ? subnormal : normal;
}

/** {@link halfMagnitude} of four lanes (each below 0x7c00). */
@inline
function halfMagnitudeX4(em: v128, limit: v128 = vi(VI.HALF_SUBNORMAL_LIMIT), rebias0: v128 = vi(VI.HALF_REBIAS)): v128 {
  // two constants, not four (kernels that convert scales in their loops keep them in registers): the
  // all-ones mask of a subnormal lane shifted to bit 23 is -(1 << 23), so subtracting it adds 1 << 23,
  // and the subnormal rebias 0x38800000 is itself the f32 bits of 2^-14 (HALF_MIN_NORMAL)
  const isSubnormal = i32x4.lt_s(em, limit);
  const rebias = i32x4.sub(rebias0, i32x4.shl(isSubnormal, 23));
  return f32x4.sub(i32x4.add(i32x4.shl(em, 13), rebias), v128.and(isSubnormal, rebias));
}

/** IEEE half bits to f32, exact for every input (subnormals, infinities, NaN payloads with the quiet bit). */
@inline
export function halfToF32(h: u32): f32 {
  const em = h & 0x7fff;
  const special = reinterpret<f32>(0x7f800000 | (em << 13) | (em > 0x7c00 ? 0x400000 : 0));
  const mag = em >= 0x7c00 ? special : halfMagnitude(em);
  return reinterpret<f32>(reinterpret<u32>(mag) | ((h & 0x8000) << 16));
}

/**
 * A finite half to f32, exact (subnormals included), in fewer steps than {@link halfToF32}: for the block
 * scales of dot products, where infinities and NaNs do not occur in valid models (they become large
 * finite values here). Row lookups use the exact conversion.
 */
@inline
export function finiteHalfToF32(h: u32): f32 {
  return reinterpret<f32>(reinterpret<u32>(halfMagnitude(h & 0x7fff)) | ((h & 0x8000) << 16));
}

/**
 * Four finite halves (low 16 bits of each lane, the rest zero) to f32x4 (see {@link finiteHalfToF32}).
 * Infinities and NaNs become large finite values.
 */
@inline
export function finiteHalfToF32x4(
  h: v128,
  magnitudeMask: v128 = vi(VI.HALF_MAGNITUDE),
  limit: v128 = vi(VI.HALF_SUBNORMAL_LIMIT),
  rebias: v128 = vi(VI.HALF_REBIAS),
): v128 {
  const em = v128.and(h, magnitudeMask);
  const sign = i32x4.shl(v128.xor(h, em), 16); // bit 15 alone (the high bits are zero), to bit 31
  return v128.or(halfMagnitudeX4(em, limit, rebias), sign);
}

/** Four halves (the low 16 bits of each i32 lane) to f32x4, exact (see {@link halfToF32}). */
@inline
export function halfToF32x4(h: v128): v128 {
  const em = v128.and(h, i32x4.splat(0x7fff));
  const shifted = i32x4.shl(em, 13);
  const isSpecial = i32x4.ge_s(em, i32x4.splat(0x7c00));
  const isNan = i32x4.gt_s(em, i32x4.splat(0x7c00));
  const special = v128.or(v128.or(shifted, i32x4.splat(0x7f800000)), v128.and(isNan, i32x4.splat(0x400000)));
  const mag = v128.bitselect(special, halfMagnitudeX4(v128.andnot(em, isSpecial)), isSpecial);
  return v128.or(mag, i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16));
}

/** Eight halves at `p` to two f32x4: the first four. */
@inline
export function loadHalfLow(p: usize): v128 {
  return halfToF32x4(v128.load16x4_u(p));
}

/** f32 to IEEE half bits, rounding to nearest even (as the TypeScript `f32ToF16` and F16C do). */
export function f32ToHalf(value: f32): u32 {
  const x = reinterpret<u32>(value);
  const sign = (x >> 16) & 0x8000;
  const exp = <i32>((x >> 23) & 0xff);
  let mant = x & 0x7fffff;
  if (exp == 0xff) return sign | 0x7c00 | (mant != 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = <u32>(14 - e);
    let half = mant >> shift;
    const rem = mant & ((<u32>1 << shift) - 1);
    const mid = <u32>1 << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
    return sign | half;
  }
  let half = (<u32>e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++;
  return sign | half;
}

/** 16 bytes of static data that nothing reads: where {@link keepLoads} stores. */
const LOAD_SINK: usize = memory.data(16);

/**
 * Keeps loads whose values are not needed (cache-line touches) from being optimised away: their xor is
 * stored to a word nobody reads. Threads may race on it; no one cares what it holds.
 */
@inline
export function keepLoads(x: i32): void {
  store<i32>(LOAD_SINK, x);
}

/**
 * Loads one word of every 64-byte line of `bytes` bytes at `p` and returns their xor: wasm has no
 * prefetch instruction, so the fused decode product (and attention, for its K/V rows) touches the next rows' lines in one tight burst
 * before it computes the current rows. The burst's cache misses are all in flight at once, and they
 * complete while the out-of-order core works on rows already in cache. In a long compute loop, too few
 * misses fit in the reorder window, and on the project's VM the hardware prefetchers do not make up
 * for it: the Q4_K decode product streamed about 5 GB/s from memory against 12 GB/s from cache.
 */
@inline
export function touchLines(p: usize, bytes: usize): i32 {
  let t: i32 = 0;
  for (let q: usize = 0; q < bytes; q += 64) t ^= load<i32>(p + q);
  return t;
}

/**
 * Four f32 to halves (in the low 16 bits of each i32 lane), rounded to nearest even: the same bits as
 * {@link f32ToHalf}, without its branches. Normal results round by adding 0xfff plus the odd bit before
 * the shift; subnormal ones by adding 0.5 in f32, whose rounding then does it; NaN gives 0x7e00.
 */
@inline
export function f32ToHalfX4(v: v128): v128 {
  const sign = v128.and(v, i32x4.splat(0x80000000));
  const f = v128.xor(v, sign); // |v| as bits
  const odd = v128.and(i32x4.shr_u(f, 13), i32x4.splat(1));
  const normal = i32x4.shr_u(i32x4.add(i32x4.add(f, i32x4.splat(((15 - 127) << 23) + 0xfff)), odd), 13);
  const sub = i32x4.sub(f32x4.add(f, f32x4.splat(0.5)), i32x4.splat(0x3f000000));
  const infNan = v128.bitselect(i32x4.splat(0x7e00), i32x4.splat(0x7c00), i32x4.gt_s(f, i32x4.splat(0x7f800000)));
  let h = v128.bitselect(sub, normal, i32x4.lt_s(f, i32x4.splat(113 << 23))); // below 2^-14: subnormal
  h = v128.bitselect(infNan, h, i32x4.ge_s(f, i32x4.splat(143 << 23))); // 65536 and up: infinity
  return v128.or(h, i32x4.shr_u(sign, 16));
}

/** Sum of the four lanes of an f32x4, in a fixed order ((l0 + l2) + (l1 + l3)). */
@inline
export function hsum(v: v128): f32 {
  const t = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1);
}

/** Sum of the four lanes of an i32x4. */
@inline
export function hsumI32(v: v128): i32 {
  const t = i32x4.add(v, v128.shuffle<i32>(v, v, 2, 3, 0, 1));
  return i32x4.extract_lane(t, 0) + i32x4.extract_lane(t, 1);
}

/** Maximum of the four lanes of an f32x4. */
@inline
export function hmax(v: v128): f32 {
  const t = f32x4.max(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return max(f32x4.extract_lane(t, 0), f32x4.extract_lane(t, 1));
}

/**
 * e^x for four lanes: x = k ln2 + r with |r| <= ln2 / 2, a degree-6 polynomial for e^r, and 2^k put
 * into the exponent. Relative error about 2e-7; inputs below -87 give 0, above 88 give +inf.
 */
@inline
export function expF32x4(x: v128): v128 {
  // pmin/pmax are one instruction each on x86; min/max, which must propagate NaN, are five (a NaN x
  // gives 0 either way: see the last line)
  const clamped = f32x4.pmax(f32x4.pmin(x, vf(VF.EXP_HIGH)), vf(VF.EXP_LOW));
  const k = f32x4.nearest(f32x4.mul(clamped, vf(VF.LOG2E)));
  // r = x - k ln2 in two steps (Cody-Waite) for accuracy
  let r = f32x4.sub(clamped, f32x4.mul(k, vf(VF.LN2_HIGH)));
  r = f32x4.sub(r, f32x4.mul(k, vf(VF.LN2_LOW)));
  let p = vf(VF.EXP_C6);
  p = f32x4.add(f32x4.mul(p, r), vf(VF.EXP_C5));
  p = f32x4.add(f32x4.mul(p, r), vf(VF.EXP_C4));
  p = f32x4.add(f32x4.mul(p, r), vf(VF.EXP_C3));
  p = f32x4.add(f32x4.mul(p, r), vf(VF.HALF));
  p = f32x4.add(f32x4.mul(p, r), vf(VF.ONE));
  p = f32x4.add(f32x4.mul(p, r), vf(VF.ONE));
  // 2^k: k in [-126, 128]; split into two factors so k = 128 does not overflow the exponent field
  // k is a whole number of magnitude <= 128: adding 1.5 * 2^23 puts it, exactly, in the low mantissa
  // bits (trunc_sat costs V8 a six-instruction saturation fix-up)
  const ki = i32x4.sub(f32x4.add(k, vf(VF.ROUND_BIAS)), vi(VI.ROUND_BIAS_BITS));
  const k1 = i32x4.shr_s(ki, 1);
  const k2 = i32x4.sub(ki, k1);
  const s1 = i32x4.shl(i32x4.add(k1, vi(VI.EXP_BIAS)), 23);
  const s2 = i32x4.shl(i32x4.add(k2, vi(VI.EXP_BIAS)), 23);
  const out = f32x4.mul(f32x4.mul(p, s1), s2);
  // below the clamp: exactly 0 (the softmax of a masked score)
  return v128.and(out, f32x4.gt(x, vf(VF.EXP_LOW)));
}

/** Scalar e^x through the vector path (same values as {@link expF32x4}). */
@inline
export function expF32(x: f32): f32 {
  return f32x4.extract_lane(expF32x4(f32x4.splat(x)), 0);
}

/** i32x4 partial sums of 16 signed 16-bit weights at `w` times 16 signed 16-bit activations at `a`. */
@inline
export function dot16(w: usize, a: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(v128.load(w), v128.load(a)), i32x4.dot_i16x8_s(v128.load(w, 16), v128.load(a, 16)));
}

/** Stores 16 signed bytes as 16 i16 at `dst`. */
@inline
export function storeI8asI16(dst: usize, v: v128): void {
  v128.store(dst, i16x8.extend_low_i8x16_s(v));
  v128.store(dst, i16x8.extend_high_i8x16_s(v), 16);
}

/** Stores 16 signed bytes as 16 i16 multiplied by `scale` (the product must fit i16). */
@inline
export function storeI8asI16Scaled(dst: usize, v: v128, scale: i32): void {
  const s = i16x8.splat(<i16>scale);
  v128.store(dst, i16x8.mul(i16x8.extend_low_i8x16_s(v), s));
  v128.store(dst, i16x8.mul(i16x8.extend_high_i8x16_s(v), s), 16);
}

/**
 * acc + a * b, four lanes: one fused multiply-add (`f32x4.relaxed_madd`, x64 `vfmadd231ps`) in the relaxed
 * builds, a multiply and an add in the SIMD-only build. Fused, the product is not rounded before the add,
 * so the relaxed builds' float sums differ from the SIMD build's in the last bits (they are no less exact);
 * within one build every path that must agree (threads, the 1- and 4-token products) uses the same form.
 */
@inline
export function mulAdd(a: v128, b: v128, acc: v128): v128 {
  return RELAXED ? f32x4.relaxed_madd(a, b, acc) : f32x4.add(acc, f32x4.mul(a, b));
}

/** Written by {@link anchor}: per instance, so per thread. */
let ANCHOR: v128 = v128(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

/**
 * Makes `v` be computed here: V8 keeps loads in program order but sinks pure arithmetic to its first use,
 * so a group's loads would all issue first and their values spill; a global write is an effect, placed in
 * order, and needs `v` computed before the loads that follow it.
 */
@inline
export function anchor(v: v128): void {
  ANCHOR = v;
}

/** Reads the anchor (exported so that the optimizer keeps the writes). */
export function anchor_value(): i32 {
  return i32x4.extract_lane(ANCHOR, 0);
}

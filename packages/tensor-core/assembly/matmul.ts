// Matrix products and row lookups, written once over a weight *format* (one class per ggml type in
// formats/, specialised at compile time: each exported kernel below instantiates the generic driver).
//
// matmul: out[t, r] = sum_c W[r, c] * x[t, c] for tokens t < n and weight rows r < rows, where the
// activations have been prepared in the format's activation kind (f32 rows or quantized records).
// Rows are handed out in chunks through a shared counter, so threads that run slower take fewer.

import { claimChunk, claimGuidedRows, guidedChunkRows, keepLoads, shareEnd, shareStart, touchLines } from './common';
import { Bf16Format, F16Format, F32Format } from './formats/float';
import { Iq4NlFormat } from './formats/iq4_nl';
import { Iq4XsFormat } from './formats/iq4_xs';
import { placeQ2K, Q2_KFormat } from './formats/q2_k';
import { placeQ3K, Q3_KFormat } from './formats/q3_k';
import { Q4_0Format } from './formats/q4_0';
import { blockBytesOf, placeGroups4 } from './formats/groups4';
import { Q4_1Format } from './formats/q4_1';
import { placeQ4K, Q4_KFormat } from './formats/q4_k';
import { Q5_0Format } from './formats/q5_0';
import { Q5_1Format } from './formats/q5_1';
import { placeQ5K, Q5_KFormat } from './formats/q5_k';
import { placeQ6K, Q6_KFormat } from './formats/q6_k';
import { Q8_0Format } from './formats/q8_0';
import { ACT_F32, ACT_Q8_K, dot32x1, dot32x4, dot32x4Pair, dotF32x1, dotF32x4, dotK1, dotK4, dotK4Pair, unpackedRowBytes } from './unpacked';
import { dot32x8Pair4, dot32x8x1, dot32x8x4, dotK8, dotSplit8, dotSplit8Pair4, interleaveGroups16, offsetShiftOf, unpacked8RowBytes } from './unpacked8';

/**
 * Weight rows a thread takes at a time in batched products (unpacked together, reused by every token).
 * Decode products take guided chunks instead (common.ts claimGuidedRows: long contiguous runs of rows
 * first, multiples of this, shorter ones at the end) because the hardware prefetchers follow a stream
 * and lose it at every jump: with 16-row chunks claimed in turn by two threads, each thread's stream
 * jumped every 36 KiB, and on an AMD EPYC VM two threads decoded no faster than one (tinyllama-shape
 * Q4_K ffn products: 20.4 ms per token at 2 threads, 22 at 1; 13-15 ms with long chunks).
 */
const ROWS_PER_CHUNK: i32 = 16;
/** Rows ahead of the current pair whose lines the fused product touches (touchLines). */
const TOUCH_AHEAD: i32 = 4;
/** Bits 0-1 of `mode`: the product mode (see {@link matmulRows}). */
const MODE_PRODUCT: i32 = 3;
/** Bit of `mode`, decode only: touch the next rows' cache lines before computing (touchLines). */
const MODE_TOUCH: i32 = 4;
/** Bit of `mode`, decode only: two rows per pass where the format has dot2. */
const MODE_PAIRS: i32 = 8;
/** Tokens per tile in the fused path: their activation records stay in L2 while a chunk's rows pass. */
const TOKEN_TILE: i32 = 32;

/**
 * {@link touchLines} of rows [from, to) of `w` (none when `to <= from`): the fused products keep the
 * rows up to TOUCH_AHEAD past the current ones touched, each row once.
 */
@inline
function touchRows(w: usize, rowBytes: usize, from: i32, to: i32): i32 {
  return to > from ? touchLines(w + <usize>from * rowBytes, <usize>(to - from) * rowBytes) : 0;
}

/** One unpacked row times one token. */
@inline
function dot1<F>(f: F, u: usize, a: usize, cols: i32): f32 {
  if (f.actKind == ACT_Q8_K) return dotK1(u, a, cols, f.hasMin);
  if (f.actKind == ACT_F32) return dotF32x1(u, a, cols);
  return dot32x1(u, a, cols, f.hasMin);
}

/** One unpacked row times four tokens. */
@inline
function dot4<F>(f: F, u: usize, a: usize, stride: usize, cols: i32, out: usize, outStride: usize): void {
  if (f.actKind == ACT_Q8_K) dotK4(u, a, stride, cols, f.hasMin, out, outStride);
  else if (f.actKind == ACT_F32) dotF32x4(u, a, stride, cols, out, outStride);
  else dot32x4(u, a, stride, cols, f.hasMin, out, outStride);
}

/**
 * Whether the relaxed batched product runs the format as 32-value blocks (the 32-value layout of
 * unpacked8.ts): the 32-value formats, and Q4_K (formats/q4_k.ts batchBlocks32).
 */
@inline
function blocks32In8<F>(f: F): bool {
  if (f.actKind != ACT_Q8_K) return true;
  if (isDefined(f.batchBlocks32)) return f.batchBlocks32;
  return false;
}

/** One relaxed unpacked row times 1 or 4 tokens (unpacked8.ts). */
@inline
function dot8<F>(f: F, u: usize, a: usize, stride: usize, count: i32, cols: i32, out: usize, outStride: usize): void {
  if (splitIn8<F>(f)) dotSplit8(u, a, stride, count, cols, out, outStride);
  else if (!blocks32In8<F>(f)) dotK8(u, a, stride, count, cols, f.hasMin, out, outStride);
  else if (!sumsInI16<F>(f)) unreachable(); // no 32-value format's sums would fit: see sumsInI16
  else if (count == 4) dot32x8x4<F>(f, u, a, stride, cols, out, outStride);
  else dot32x8x1<F>(f, u, a, cols, out);
}

/**
 * Whether a 32-value format's relaxed batched sums add up in i16 over a group of four blocks
 * (unpacked8.ts dot32x8Body, dot32x8Pair4): 4-bit levels, whose sums fit, and the offset formats (Q5_0,
 * Q5_1, Q5_K), whose sums of (q - 2^k) * a fit in the end (i16 adds wrap on the way). Every format in the
 * 32-value layout is one of these; another would need a kernel that widens every 32 values.
 */
@inline
function sumsInI16<F>(f: F): bool {
  return f.levelBits <= 4 || offsetShiftOf<F>(f) >= 0;
}

/**
 * Whether a format's relaxed batched product takes the activations split by sign (signed levels: Q8_0 and
 * IQ4_NL in the VNNI build, unpacked8.ts dotSplit8Pair4).
 */
@inline
function splitIn8<F>(f: F): bool {
  return isDefined(f.batchSplit) && f.batchSplit;
}

/** Whether the relaxed batched product takes two rows per pass (unpacked8.ts dot32x8Pair4, dotSplit8Pair4). */
@inline
function pairRows8<F>(f: F): bool {
  return splitIn8<F>(f) || (blocks32In8<F>(f) && sumsInI16<F>(f));
}

/** Two relaxed unpacked rows (`u`, `u + ub8`) times 4 tokens. */
@inline
function dot8Pair<F>(f: F, u: usize, ub8: usize, a: usize, stride: usize, cols: i32, out: usize, outStride: usize): void {
  if (splitIn8<F>(f)) dotSplit8Pair4(u, u + ub8, a, stride, cols, out, outStride);
  else dot32x8Pair4<F>(f, u, u + ub8, a, stride, cols, out, outStride);
}

/**
 * Two unpacked rows of a quantized format (`u`, `u + ub`) times 4 tokens: the 2 x 4 tile of the i16
 * kernels (unpacked.ts), each row computed exactly as {@link dot4} computes it.
 */
@inline
function dot4Pair<F>(f: F, u: usize, ub: usize, a: usize, stride: usize, cols: i32, out: usize, outStride: usize): void {
  if (f.actKind == ACT_Q8_K) dotK4Pair(u, u + ub, a, stride, cols, f.hasMin, out, outStride);
  else dot32x4Pair(u, u + ub, a, stride, cols, f.hasMin, out, outStride);
}

/**
 * A batch's tail of 1 to 3 tokens that no 4-token pass from 0 covers takes one more 4-token pass, over
 * its last four tokens ({@link tokenPass}), when it is at least this long; shorter tails take one-token
 * passes. A one-token pass loads its rows' levels for one token's products: three of them cost more than
 * a 4-token pass (products of 7 tokens 1.0-1.23x faster with the extra pass), two about the same
 * (0.96-1.05x), one less (0.81-0.89x). Tokens the extra pass computes twice get the same bits both times:
 * each (row, token) result is computed the same way whatever the tile's other tokens.
 */
const TAIL_PASS_MIN: i32 = 3;

/** The 4-token passes of a batch of `n` tokens (none below 4 tokens). */
@inline
function tokenPasses(n: i32): i32 {
  return n < 4 ? 0 : (n >> 2) + ((n & 3) >= TAIL_PASS_MIN ? 1 : 0);
}

/** The first token left to one-token passes (`n` when the 4-token passes cover them all). */
@inline
function singlesFrom(n: i32): i32 {
  return min(tokenPasses(n) << 2, n);
}

/** The first token of 4-token pass `pass` of `n` tokens: 4 * pass, or n - 4 for the tail pass. */
@inline
function tokenPass(pass: i32, n: i32): i32 {
  return min(pass << 2, n - 4);
}

/**
 * The matrix product driver. `w`: weight rows (`rows` x `cols`, ggml bytes); `acts`: n activation rows
 * or records, `actStride` bytes apart; `out`: [n, outStride] f32; `scratch`: this thread's scratch
 * (room for {@link ROWS_PER_CHUNK} unpacked rows; the exports get a base and a per-thread stride);
 * `counter`: shared chunk counter (0 = none).
 *
 * `mode` (chosen by the caller, which prepared the activations for it): 0: the fused per-format product
 * (format.dot1, no unpacking pass; 8-bit activation levels in the relaxed-SIMD build), for decode;
 * 1: a chunk of rows unpacked once into i16 levels and multiplied with 4 tokens at a time, two rows per
 * pass (unpacked.ts; i16 activations, interleaved for the 32-value formats); 2 (relaxed build, formats
 * with unsigned levels): the same with 8-bit levels (unpacked8.ts; two rows per pass for 4-bit levels). Decode (mode 0) may add {@link MODE_TOUCH} and
 * {@link MODE_PAIRS}: neither changes a result (dot2 computes each row exactly as dot1), only the speed,
 * and which is faster depends on the CPU (src/wasm/decode-tuner.ts picks them by measuring).
 */
@inline
function matmulRows<F>(
  f: F, ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32,
  out: usize, outStride: i32, scratch: usize, counter: usize, mode: i32,
): void {
  const rowBytes = <usize>(cols / f.blockSize) * <usize>f.blockBytes;
  const ub = unpackedRowBytes(f.actKind, cols);
  const aStride = <usize>actStride;
  const oStride = <usize>outStride << 2;
  const touch = (mode & MODE_TOUCH) != 0;
  const pairs = (mode & MODE_PAIRS) != 0;
  mode &= MODE_PRODUCT;
  const batched = mode != 0;
  const fused = f.actKind != ACT_F32 && !batched;
  const relaxed8 = mode == 2 && f.batch8;
  const ub8 = unpacked8RowBytes(!blocks32In8<F>(f), cols);
  let chunk = -1;
  let r0 = -1;
  let touched: i32 = 0;
  while (true) {
    let r1: i32;
    if (batched) {
      chunk = claimChunk(counter, chunk, ith, nth);
      r0 = chunk * ROWS_PER_CHUNK;
      if (r0 >= rows) break;
      r1 = min(r0 + ROWS_PER_CHUNK, rows);
    } else {
      r0 = claimGuidedRows(counter, r0, rows, nth, ROWS_PER_CHUNK);
      if (r0 >= rows) break;
      r1 = min(r0 + guidedChunkRows(r0, rows, nth, ROWS_PER_CHUNK), rows);
    }
    if (fused) {
      for (let t0 = 0; t0 < n; t0 += TOKEN_TILE) {
        const t1 = min(t0 + TOKEN_TILE, n);
        let r = r0;
        let ahead = r0; // rows [r0, ahead) of the chunk have been touched
        if (isDefined(f.dot2) && pairs) {
          // two rows per pass where the format shares the activation loads (each row as dot1 computes it;
          // pairs start at the chunk's first row, so the pairing does not depend on the threads)
          for (; r + 2 <= r1; r += 2) {
            const wr = w + <usize>r * rowBytes;
            if (touch && t0 == 0) {
              const to = min(r + 2 + TOUCH_AHEAD, r1);
              touched ^= touchRows(w, rowBytes, ahead, to);
              ahead = max(ahead, to);
            }
            for (let t = t0; t < t1; t++) {
              const o = out + <usize>t * oStride + (<usize>r << 2);
              f.dot2(wr, wr + rowBytes, acts + <usize>t * aStride, cols, o, o + 4);
            }
          }
        }
        for (; r < r1; r++) {
          const wr = w + <usize>r * rowBytes;
          if (touch && t0 == 0) {
            const to = min(r + 1 + TOUCH_AHEAD, r1);
            touched ^= touchRows(w, rowBytes, ahead, to);
            ahead = max(ahead, to);
          }
          for (let t = t0; t < t1; t++) {
            store<f32>(out + <usize>t * oStride + (<usize>r << 2), f.dot1(wr, acts + <usize>t * aStride, cols));
          }
        }
      }
      continue;
    }
    if (!batched) {
      // float weights, one token at a time, widened as they stream
      let ahead = r0;
      for (let r = r0; r < r1; r++) {
        const wr = w + <usize>r * rowBytes;
        if (touch) {
          const to = min(r + 1 + TOUCH_AHEAD, r1);
          touched ^= touchRows(w, rowBytes, ahead, to);
          ahead = max(ahead, to);
        }
        for (let t = 0; t < n; t++) {
          store<f32>(out + <usize>t * oStride + (<usize>r << 2), f.dot1(wr, acts + <usize>t * aStride, cols));
        }
      }
      continue;
    }
    if (relaxed8) {
      // relaxed build: unsigned 8-bit levels, 4 tokens per pass through unpacked8.ts
      for (let r = r0; r < r1; r++) {
        const ur = scratch + <usize>(r - r0) * ub8;
        f.unpackRow8(w + <usize>r * rowBytes, cols, ur);
        // the super-block kernel reads each 32 levels with its two 16-value groups interleaved
        if (!blocks32In8<F>(f)) interleaveGroups16(ur, <usize>cols);
      }
      // 4 tokens per pass; a 3-token tail gets a pass over n - 4 .. n - 1 (tokenPasses), shorter ones one-token passes
      for (let pass = 0, passes = tokenPasses(n); pass < passes; pass++) {
        const t = tokenPass(pass, n);
        const a = acts + <usize>t * aStride;
        const o = out + <usize>t * oStride;
        let r = r0;
        if (pairRows8<F>(f)) {
          for (; r + 2 <= r1; r += 2) dot8Pair<F>(f, scratch + <usize>(r - r0) * ub8, ub8, a, aStride, cols, o + (<usize>r << 2), oStride);
        }
        for (; r < r1; r++) dot8<F>(f, scratch + <usize>(r - r0) * ub8, a, aStride, 4, cols, o + (<usize>r << 2), oStride);
      }
      for (let t = singlesFrom(n); t < n; t++) {
        const a = acts + <usize>t * aStride;
        const o = out + <usize>t * oStride;
        for (let r = r0; r < r1; r++) dot8<F>(f, scratch + <usize>(r - r0) * ub8, a, aStride, 1, cols, o + (<usize>r << 2), oStride);
      }
      continue;
    }
    if (!f.direct) {
      for (let r = r0; r < r1; r++) f.unpackRow(w + <usize>r * rowBytes, cols, scratch + <usize>(r - r0) * ub);
    }
    for (let pass = 0, passes = tokenPasses(n); pass < passes; pass++) {
      const t = tokenPass(pass, n);
      const a = acts + <usize>t * aStride;
      const o = out + <usize>t * oStride;
      let r = r0;
      if (f.actKind != ACT_F32) {
        for (; r + 2 <= r1; r += 2) dot4Pair<F>(f, scratch + <usize>(r - r0) * ub, ub, a, aStride, cols, o + (<usize>r << 2), oStride);
      }
      for (; r < r1; r++) {
        const u = f.direct ? w + <usize>r * rowBytes : scratch + <usize>(r - r0) * ub;
        dot4<F>(f, u, a, aStride, cols, o + (<usize>r << 2), oStride);
      }
    }
    for (let t = singlesFrom(n); t < n; t++) {
      const a = acts + <usize>t * aStride;
      const o = out + <usize>t * oStride;
      for (let r = r0; r < r1; r++) {
        const u = f.direct ? w + <usize>r * rowBytes : scratch + <usize>(r - r0) * ub;
        store<f32>(o + (<usize>r << 2), dot1<F>(f, u, a, cols));
      }
    }
  }
  keepLoads(touched);
}

/** out[i, :] = dequant(W[ids[i], :]) for the `nIds` i32 ids at `ids`; threads split the ids. */
@inline
function getRows<F>(f: F, ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void {
  const rowBytes = <usize>(cols / f.blockSize) * <usize>f.blockBytes;
  for (let i = shareStart(nIds, ith, nth), end = shareEnd(nIds, ith, nth); i < end; i++) {
    const id = <usize>load<i32>(ids + (<usize>i << 2));
    f.dequantRow(w + id * rowBytes, cols, out + <usize>i * (<usize>outStride << 2));
  }
}

// ---- exported kernels, one pair per weight type (names are looked up by src/wasm/weight-kernels.ts) -----

export function matmul_f32(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<F32Format>(changetype<F32Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_f16(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<F16Format>(changetype<F16Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_bf16(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Bf16Format>(changetype<Bf16Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q8_0(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q8_0Format>(changetype<Q8_0Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q4_0(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q4_0Format>(changetype<Q4_0Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q4_1(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q4_1Format>(changetype<Q4_1Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q5_0(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q5_0Format>(changetype<Q5_0Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q5_1(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q5_1Format>(changetype<Q5_1Format>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_iq4_nl(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Iq4NlFormat>(changetype<Iq4NlFormat>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q2_k(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q2_KFormat>(changetype<Q2_KFormat>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q3_k(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q3_KFormat>(changetype<Q3_KFormat>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q4_k(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q4_KFormat>(changetype<Q4_KFormat>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q5_k(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q5_KFormat>(changetype<Q5_KFormat>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_q6_k(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Q6_KFormat>(changetype<Q6_KFormat>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }
export function matmul_iq4_xs(ith: i32, nth: i32, w: usize, rows: i32, cols: i32, acts: usize, actStride: i32, n: i32, out: usize, outStride: i32, scratch: usize, scratchStride: usize, counter: usize, mode: i32): void { matmulRows<Iq4XsFormat>(changetype<Iq4XsFormat>(0), ith, nth, w, rows, cols, acts, actStride, n, out, outStride, scratch + <usize>ith * scratchStride, counter, mode); }

/**
 * Rearranges the qs of `blocks` Q4_K super-blocks at `w` into the order the kernels read (formats/q4_k.ts
 * placement; `inverse` 1: back to ggml's), the blocks shared among the threads.
 */
export function place_q4_k(ith: i32, nth: i32, w: usize, blocks: i32, inverse: i32): void {
  const b0 = shareStart(blocks, ith, nth);
  placeQ4K(w + <usize>b0 * 144, shareEnd(blocks, ith, nth) - b0, inverse != 0);
}

/**
 * Rearranges the whole groups of four blocks of `rows` Q4_0 rows of `cols` values at `w` into the order
 * the relaxed builds' kernels read (formats/groups4.ts; `inverse` 1: back), the rows shared among the
 * threads. Nothing to do in the SIMD-128 build, which reads ggml's order.
 */
export function place_q4_0(ith: i32, nth: i32, w: usize, rows: i32, inverse: i32, cols: i32): void {
  placeRows4(ith, nth, w, rows, inverse, cols, 1, 0);
}

/** As {@link place_q4_0} for Q4_1. */
export function place_q4_1(ith: i32, nth: i32, w: usize, rows: i32, inverse: i32, cols: i32): void {
  placeRows4(ith, nth, w, rows, inverse, cols, 2, 0);
}

/** As {@link place_q4_0} for Q5_0. */
export function place_q5_0(ith: i32, nth: i32, w: usize, rows: i32, inverse: i32, cols: i32): void {
  placeRows4(ith, nth, w, rows, inverse, cols, 1, 1);
}

/** As {@link place_q4_0} for Q5_1. */
export function place_q5_1(ith: i32, nth: i32, w: usize, rows: i32, inverse: i32, cols: i32): void {
  placeRows4(ith, nth, w, rows, inverse, cols, 2, 1);
}

/** {@link place_q4_0} for blocks of `fields` half fields, `qh` u32s of fifth bits and 16 qs bytes. */
@inline
function placeRows4(ith: i32, nth: i32, w: usize, rows: i32, inverse: i32, cols: i32, fields: i32, qh: i32): void {
  if (!RELAXED) return;
  const r0 = shareStart(rows, ith, nth);
  const rowBytes = <usize>(cols >> 5) * blockBytesOf(fields, qh);
  placeGroups4(w + <usize>r0 * rowBytes, shareEnd(rows, ith, nth) - r0, cols, fields, qh, inverse != 0);
}

/** As {@link place_q4_k} for Q5_K (formats/q5_k.ts placement). */
export function place_q5_k(ith: i32, nth: i32, w: usize, blocks: i32, inverse: i32): void {
  const b0 = shareStart(blocks, ith, nth);
  placeQ5K(w + <usize>b0 * 176, shareEnd(blocks, ith, nth) - b0, inverse != 0);
}

/** As {@link place_q4_k} for Q2_K (formats/q2_k.ts placement). */
export function place_q2_k(ith: i32, nth: i32, w: usize, blocks: i32, inverse: i32): void {
  const b0 = shareStart(blocks, ith, nth);
  placeQ2K(w + <usize>b0 * 84, shareEnd(blocks, ith, nth) - b0, inverse != 0);
}

/** As {@link place_q4_k} for Q3_K (formats/q3_k.ts placement). */
export function place_q3_k(ith: i32, nth: i32, w: usize, blocks: i32, inverse: i32): void {
  const b0 = shareStart(blocks, ith, nth);
  placeQ3K(w + <usize>b0 * 110, shareEnd(blocks, ith, nth) - b0, inverse != 0);
}

/** As {@link place_q4_k} for Q6_K (formats/q6_k.ts placement). */
export function place_q6_k(ith: i32, nth: i32, w: usize, blocks: i32, inverse: i32): void {
  const b0 = shareStart(blocks, ith, nth);
  placeQ6K(w + <usize>b0 * 210, shareEnd(blocks, ith, nth) - b0, inverse != 0);
}

export function get_rows_f32(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<F32Format>(changetype<F32Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_f16(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<F16Format>(changetype<F16Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_bf16(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Bf16Format>(changetype<Bf16Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q8_0(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q8_0Format>(changetype<Q8_0Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q4_0(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q4_0Format>(changetype<Q4_0Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q4_1(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q4_1Format>(changetype<Q4_1Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q5_0(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q5_0Format>(changetype<Q5_0Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q5_1(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q5_1Format>(changetype<Q5_1Format>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_iq4_nl(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Iq4NlFormat>(changetype<Iq4NlFormat>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q2_k(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q2_KFormat>(changetype<Q2_KFormat>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q3_k(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q3_KFormat>(changetype<Q3_KFormat>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q4_k(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q4_KFormat>(changetype<Q4_KFormat>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q5_k(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q5_KFormat>(changetype<Q5_KFormat>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_q6_k(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Q6_KFormat>(changetype<Q6_KFormat>(0), ith, nth, w, cols, ids, nIds, out, outStride); }
export function get_rows_iq4_xs(ith: i32, nth: i32, w: usize, cols: i32, ids: usize, nIds: i32, out: usize, outStride: i32): void { getRows<Iq4XsFormat>(changetype<Iq4XsFormat>(0), ith, nth, w, cols, ids, nIds, out, outStride); }

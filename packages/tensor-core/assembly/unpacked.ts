// Dot products of *unpacked* weight rows with quantized activation records (see activations.ts).
//
// Every quantized format unpacks a row once into integer levels (i16) plus float scales; these kernels
// then multiply one unpacked row with 1 or 4 tokens. Unpacking costs the same for one token as for many,
// so a matrix product unpacks a group of rows and reuses them for every token tile.
//
// Unpacked row, 256-value super-block formats (K-quants, IQ4_XS), nbs = cols / 256:
//   [wq: i16 x cols]      levels already multiplied by their 16-value group's integer scale
//   [d: f32 x nbs]        super-block scale: value = d * wq - dmin * m[group]
//   [dmin: f32 x nbs]     (0 for formats without mins)
//   [m: i16 x cols/16]    integer min of each 16-value group
// Unpacked row, 32-value block formats (Q4_0 .. Q8_0, IQ4_NL), blocks padded to whole groups of four (np):
//   [wq: i16, four blocks interleaved per 256 bytes (formats/block32.ts storeInterleaved)]
//   [d: f32 x np] [m: f32 x np]                       value = d * wq + m; padding blocks are zero
// and the activations of such a product come interleaved the same way (activations.ts quantize_q8_32i).
// Unpacked row of plain float formats: [f32 x cols].

import { dot16, hsum, mulAdd } from './common';
import { paddedBlocks } from './formats/block32';

/** Activation kinds: which record layout a format's matrix product consumes. */
export const ACT_F32: i32 = 0;
export const ACT_Q8_32: i32 = 1;
export const ACT_Q8_K: i32 = 2;

/** Bytes of one unpacked row (16-byte aligned). */
@inline
export function unpackedRowBytes(kind: i32, cols: i32): usize {
  let bytes: usize;
  if (kind == ACT_Q8_K) bytes = (<usize>cols << 1) + (<usize>(cols >> 8) << 3) + (<usize>cols >> 3);
  else if (kind == ACT_Q8_32) bytes = <usize>paddedBlocks(cols) * 72;
  else bytes = <usize>cols << 2;
  return (bytes + 15) & ~15;
}

// ---- 256-value super-blocks --------------------------------------------------------------------------

/** Integer dot of one super-block's 256 unpacked levels with 256 activation levels. */
@inline
function superDot(w: usize, a: usize): v128 {
  let s0 = i32x4.add(dot16(w, a), dot16(w + 32, a + 32));
  let s1 = i32x4.add(dot16(w + 64, a + 64), dot16(w + 96, a + 96));
  for (let g: usize = 128; g < 512; g += 128) {
    s0 = i32x4.add(s0, i32x4.add(dot16(w + g, a + g), dot16(w + g + 32, a + g + 32)));
    s1 = i32x4.add(s1, i32x4.add(dot16(w + g + 64, a + g + 64), dot16(w + g + 96, a + g + 96)));
  }
  return i32x4.add(s0, s1);
}

/** Sum over 16 groups of min * activation group sum. */
@inline
function minDot(m: usize, bsums: usize): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(v128.load(m), v128.load(bsums)), i32x4.dot_i16x8_s(v128.load(m, 16), v128.load(bsums, 16)));
}

/** One unpacked super-block row `u` times the Q8_K record `a`. */
export function dotK1(u: usize, a: usize, cols: i32, hasMin: bool): f32 {
  const nbs = cols >> 8;
  const ud = u + (<usize>cols << 1);
  const udmin = ud + (<usize>nbs << 2);
  const um = udmin + (<usize>nbs << 2);
  const ad = a + (<usize>cols << 1);
  const abs = ad + (<usize>nbs << 2);
  let acc = f32x4.splat(0);
  for (let b = 0; b < nbs; b++) {
    const off = <usize>b << 9;
    const da = load<f32>(ad + (<usize>b << 2));
    const isum = superDot(u + off, a + off);
    acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.splat(load<f32>(ud + (<usize>b << 2)) * da), acc);
    if (hasMin) {
      const msum = minDot(um + (<usize>b << 5), abs + (<usize>b << 5));
      acc = f32x4.sub(acc, f32x4.mul(f32x4.convert_i32x4_s(msum), f32x4.splat(load<f32>(udmin + (<usize>b << 2)) * da)));
    }
  }
  return hsum(acc);
}

/**
 * One unpacked super-block row `u` times four Q8_K records at `a`, `a + stride`, ...; writes the four
 * results to `out`, `out + outStride`, ... (byte strides).
 */
export function dotK4(u: usize, a: usize, stride: usize, cols: i32, hasMin: bool, out: usize, outStride: usize): void {
  const nbs = cols >> 8;
  const ud = u + (<usize>cols << 1);
  const udmin = ud + (<usize>nbs << 2);
  const um = udmin + (<usize>nbs << 2);
  const a0 = a;
  const a1 = a + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  const adOff = <usize>cols << 1;
  const absOff = adOff + (<usize>nbs << 2);
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  for (let b = 0; b < nbs; b++) {
    const off = <usize>b << 9;
    const w = u + off;
    let s0 = i32x4.splat(0);
    let s1 = i32x4.splat(0);
    let s2 = i32x4.splat(0);
    let s3 = i32x4.splat(0);
    let p0 = a0 + off;
    let p1 = a1 + off;
    let p2 = a2 + off;
    let p3 = a3 + off;
    for (let pw = w, end = w + 512; pw < end; pw += 32) {
      const w0 = v128.load(pw);
      const w1 = v128.load(pw, 16);
      s0 = i32x4.add(s0, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p0)), i32x4.dot_i16x8_s(w1, v128.load(p0, 16))));
      s1 = i32x4.add(s1, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p1)), i32x4.dot_i16x8_s(w1, v128.load(p1, 16))));
      s2 = i32x4.add(s2, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p2)), i32x4.dot_i16x8_s(w1, v128.load(p2, 16))));
      s3 = i32x4.add(s3, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p3)), i32x4.dot_i16x8_s(w1, v128.load(p3, 16))));
      p0 += 32;
      p1 += 32;
      p2 += 32;
      p3 += 32;
    }
    const dw = load<f32>(ud + (<usize>b << 2));
    const dOff = adOff + (<usize>b << 2);
    const da0 = load<f32>(a0 + dOff);
    const da1 = load<f32>(a1 + dOff);
    const da2 = load<f32>(a2 + dOff);
    const da3 = load<f32>(a3 + dOff);
    acc0 = mulAdd(f32x4.convert_i32x4_s(s0), f32x4.splat(dw * da0), acc0);
    acc1 = mulAdd(f32x4.convert_i32x4_s(s1), f32x4.splat(dw * da1), acc1);
    acc2 = mulAdd(f32x4.convert_i32x4_s(s2), f32x4.splat(dw * da2), acc2);
    acc3 = mulAdd(f32x4.convert_i32x4_s(s3), f32x4.splat(dw * da3), acc3);
    if (hasMin) {
      const dmin = load<f32>(udmin + (<usize>b << 2));
      const m = um + (<usize>b << 5);
      const bOff = absOff + (<usize>b << 5);
      acc0 = f32x4.sub(acc0, f32x4.mul(f32x4.convert_i32x4_s(minDot(m, a0 + bOff)), f32x4.splat(dmin * da0)));
      acc1 = f32x4.sub(acc1, f32x4.mul(f32x4.convert_i32x4_s(minDot(m, a1 + bOff)), f32x4.splat(dmin * da1)));
      acc2 = f32x4.sub(acc2, f32x4.mul(f32x4.convert_i32x4_s(minDot(m, a2 + bOff)), f32x4.splat(dmin * da2)));
      acc3 = f32x4.sub(acc3, f32x4.mul(f32x4.convert_i32x4_s(minDot(m, a3 + bOff)), f32x4.splat(dmin * da3)));
    }
  }
  store<f32>(out, hsum(acc0));
  store<f32>(out + outStride, hsum(acc1));
  store<f32>(out + 2 * outStride, hsum(acc2));
  store<f32>(out + 3 * outStride, hsum(acc3));
}

/** acc + isum * (dw * da) [- (mins . bsums) * (dmin * da)]: one super-block of one (row, token) of {@link dotK4}. */
@inline
function superBlockResult(acc: v128, isum: v128, dw: f32, dmin: f32, da: f32, mlo: v128, mhi: v128, blo: v128, bhi: v128, hasMin: bool): v128 {
  acc = mulAdd(f32x4.convert_i32x4_s(isum), f32x4.splat(dw * da), acc);
  if (!hasMin) return acc;
  const msum = i32x4.add(i32x4.dot_i16x8_s(mlo, blo), i32x4.dot_i16x8_s(mhi, bhi));
  return f32x4.sub(acc, f32x4.mul(f32x4.convert_i32x4_s(msum), f32x4.splat(dmin * da)));
}

/**
 * Two unpacked super-block rows (`u`, `v`) times four Q8_K records at `a`, `a + stride`, ...: the 2 x 4
 * register tile of {@link dotK4} (8 levels per step: 2 weight and 4 activation loads for 8 products).
 * Each (row, token) result is computed exactly as {@link dotK4} computes it. Results: row `u` to `out`,
 * `out + outStride`, ...; row `v` 4 bytes after each.
 */
export function dotK4Pair(u: usize, v: usize, a: usize, stride: usize, cols: i32, hasMin: bool, out: usize, outStride: usize): void {
  const nbs = cols >> 8;
  const dOff = <usize>cols << 1; // d, dmin and m (rows), d and bsums (records) after the levels
  const dminOff = dOff + (<usize>nbs << 2);
  const mOff = dminOff + (<usize>nbs << 2);
  const bsOff = dOff + (<usize>nbs << 2);
  const a0 = a;
  const a1 = a + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  let acc0 = f32x4.splat(0); // row u, tokens 0..3
  let acc1 = acc0;
  let acc2 = acc0;
  let acc3 = acc0;
  let acc4 = acc0; // row v, tokens 0..3
  let acc5 = acc0;
  let acc6 = acc0;
  let acc7 = acc0;
  for (let b = 0; b < nbs; b++) {
    const off = <usize>b << 9;
    let pu = u + off;
    let pv = v + off;
    let p0 = a0 + off;
    let p1 = a1 + off;
    let p2 = a2 + off;
    let p3 = a3 + off;
    const end = pu + 512;
    let s0 = i32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    let s4 = s0;
    let s5 = s0;
    let s6 = s0;
    let s7 = s0;
    while (true) {
      const wu = v128.load(pu);
      const wv = v128.load(pv);
      const x0 = v128.load(p0);
      const x1 = v128.load(p1);
      const x2 = v128.load(p2);
      const x3 = v128.load(p3);
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(wu, x0));
      s4 = i32x4.add(s4, i32x4.dot_i16x8_s(wv, x0));
      s1 = i32x4.add(s1, i32x4.dot_i16x8_s(wu, x1));
      s5 = i32x4.add(s5, i32x4.dot_i16x8_s(wv, x1));
      s2 = i32x4.add(s2, i32x4.dot_i16x8_s(wu, x2));
      s6 = i32x4.add(s6, i32x4.dot_i16x8_s(wv, x2));
      s3 = i32x4.add(s3, i32x4.dot_i16x8_s(wu, x3));
      s7 = i32x4.add(s7, i32x4.dot_i16x8_s(wv, x3));
      pu += 16;
      pv += 16;
      p0 += 16;
      p1 += 16;
      p2 += 16;
      p3 += 16;
      if (pu == end) break;
    }
    const bo = <usize>b << 2;
    const dwu = load<f32>(u + dOff + bo);
    const dwv = load<f32>(v + dOff + bo);
    const dminu = hasMin ? load<f32>(u + dminOff + bo) : 0;
    const dminv = hasMin ? load<f32>(v + dminOff + bo) : 0;
    const mo = <usize>b << 5;
    const zero = i32x4.splat(0);
    const mulo = hasMin ? v128.load(u + mOff + mo) : zero;
    const muhi = hasMin ? v128.load(u + mOff + mo, 16) : zero;
    const mvlo = hasMin ? v128.load(v + mOff + mo) : zero;
    const mvhi = hasMin ? v128.load(v + mOff + mo, 16) : zero;
    let da = load<f32>(a0 + dOff + bo);
    let blo = hasMin ? v128.load(a0 + bsOff + mo) : zero;
    let bhi = hasMin ? v128.load(a0 + bsOff + mo, 16) : zero;
    acc0 = superBlockResult(acc0, s0, dwu, dminu, da, mulo, muhi, blo, bhi, hasMin);
    acc4 = superBlockResult(acc4, s4, dwv, dminv, da, mvlo, mvhi, blo, bhi, hasMin);
    da = load<f32>(a1 + dOff + bo);
    blo = hasMin ? v128.load(a1 + bsOff + mo) : zero;
    bhi = hasMin ? v128.load(a1 + bsOff + mo, 16) : zero;
    acc1 = superBlockResult(acc1, s1, dwu, dminu, da, mulo, muhi, blo, bhi, hasMin);
    acc5 = superBlockResult(acc5, s5, dwv, dminv, da, mvlo, mvhi, blo, bhi, hasMin);
    da = load<f32>(a2 + dOff + bo);
    blo = hasMin ? v128.load(a2 + bsOff + mo) : zero;
    bhi = hasMin ? v128.load(a2 + bsOff + mo, 16) : zero;
    acc2 = superBlockResult(acc2, s2, dwu, dminu, da, mulo, muhi, blo, bhi, hasMin);
    acc6 = superBlockResult(acc6, s6, dwv, dminv, da, mvlo, mvhi, blo, bhi, hasMin);
    da = load<f32>(a3 + dOff + bo);
    blo = hasMin ? v128.load(a3 + bsOff + mo) : zero;
    bhi = hasMin ? v128.load(a3 + bsOff + mo, 16) : zero;
    acc3 = superBlockResult(acc3, s3, dwu, dminu, da, mulo, muhi, blo, bhi, hasMin);
    acc7 = superBlockResult(acc7, s7, dwv, dminv, da, mvlo, mvhi, blo, bhi, hasMin);
  }
  store<f32>(out, hsum(acc0));
  store<f32>(out, hsum(acc4), 4);
  store<f32>(out + outStride, hsum(acc1));
  store<f32>(out + outStride, hsum(acc5), 4);
  store<f32>(out + 2 * outStride, hsum(acc2));
  store<f32>(out + 2 * outStride, hsum(acc6), 4);
  store<f32>(out + 3 * outStride, hsum(acc3));
  store<f32>(out + 3 * outStride, hsum(acc7), 4);
}

// ---- 32-value blocks ---------------------------------------------------------------------------------

/**
 * One unpacked 32-block row `u` times one interleaved Q8 record `a`: per group of four blocks, 16 dot
 * products leave each block's integer sum in its own lane; then the same float steps as
 * formats/block32.ts fusedDot32 (bit for bit).
 */
export function dot32x1(u: usize, a: usize, cols: i32, hasMin: bool): f32 {
  const np = paddedBlocks(cols);
  const ud = u + (<usize>np << 6);
  const um = ud + (<usize>np << 2);
  const ad = a + (<usize>np << 6);
  const as = ad + (<usize>np << 2);
  let acc = f32x4.splat(0);
  let accm = f32x4.splat(0);
  for (let b = 0; b < np; b += 4) {
    const g = <usize>b << 6;
    let s = i32x4.splat(0);
    for (let j: usize = 0; j < 256; j += 32) {
      s = i32x4.add(s, i32x4.dot_i16x8_s(v128.load(u + g + j), v128.load(a + g + j)));
      s = i32x4.add(s, i32x4.dot_i16x8_s(v128.load(u + g + j, 16), v128.load(a + g + j, 16)));
    }
    const bo = <usize>b << 2;
    acc = mulAdd(f32x4.convert_i32x4_s(s), f32x4.mul(v128.load(ud + bo), v128.load(ad + bo)), acc);
    if (hasMin) accm = mulAdd(v128.load(um + bo), v128.load(as + bo), accm);
  }
  return hsum(acc) + hsum(accm);
}

/** One unpacked 32-block row times four interleaved records (strides in bytes; see {@link dotK4}). */
export function dot32x4(u: usize, a: usize, stride: usize, cols: i32, hasMin: bool, out: usize, outStride: usize): void {
  const np = paddedBlocks(cols);
  const ud = u + (<usize>np << 6);
  const um = ud + (<usize>np << 2);
  const dOff = <usize>np << 6;
  const sOff = dOff + (<usize>np << 2);
  const a0 = a;
  const a1 = a + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let accm0 = f32x4.splat(0);
  let accm1 = f32x4.splat(0);
  let accm2 = f32x4.splat(0);
  let accm3 = f32x4.splat(0);
  for (let b = 0; b < np; b += 4) {
    const g = <usize>b << 6;
    let s0 = i32x4.splat(0);
    let s1 = i32x4.splat(0);
    let s2 = i32x4.splat(0);
    let s3 = i32x4.splat(0);
    let p0 = a0 + g;
    let p1 = a1 + g;
    let p2 = a2 + g;
    let p3 = a3 + g;
    for (let pw = u + g, end = u + g + 256; pw < end; pw += 32) {
      const w0 = v128.load(pw);
      const w1 = v128.load(pw, 16);
      s0 = i32x4.add(s0, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p0)), i32x4.dot_i16x8_s(w1, v128.load(p0, 16))));
      s1 = i32x4.add(s1, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p1)), i32x4.dot_i16x8_s(w1, v128.load(p1, 16))));
      s2 = i32x4.add(s2, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p2)), i32x4.dot_i16x8_s(w1, v128.load(p2, 16))));
      s3 = i32x4.add(s3, i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(p3)), i32x4.dot_i16x8_s(w1, v128.load(p3, 16))));
      p0 += 32;
      p1 += 32;
      p2 += 32;
      p3 += 32;
    }
    const bo = <usize>b << 2;
    const dw = v128.load(ud + bo);
    acc0 = mulAdd(f32x4.convert_i32x4_s(s0), f32x4.mul(dw, v128.load(a0 + dOff + bo)), acc0);
    acc1 = mulAdd(f32x4.convert_i32x4_s(s1), f32x4.mul(dw, v128.load(a1 + dOff + bo)), acc1);
    acc2 = mulAdd(f32x4.convert_i32x4_s(s2), f32x4.mul(dw, v128.load(a2 + dOff + bo)), acc2);
    acc3 = mulAdd(f32x4.convert_i32x4_s(s3), f32x4.mul(dw, v128.load(a3 + dOff + bo)), acc3);
    if (hasMin) {
      const m = v128.load(um + bo);
      accm0 = mulAdd(m, v128.load(a0 + sOff + bo), accm0);
      accm1 = mulAdd(m, v128.load(a1 + sOff + bo), accm1);
      accm2 = mulAdd(m, v128.load(a2 + sOff + bo), accm2);
      accm3 = mulAdd(m, v128.load(a3 + sOff + bo), accm3);
    }
  }
  store<f32>(out, hsum(acc0) + hsum(accm0));
  store<f32>(out + outStride, hsum(acc1) + hsum(accm1));
  store<f32>(out + 2 * outStride, hsum(acc2) + hsum(accm2));
  store<f32>(out + 3 * outStride, hsum(acc3) + hsum(accm3));
}

/**
 * Two unpacked 32-value-format rows (`u`, `v`) times four interleaved i16 records at `a`, `a + stride`,
 * ...: the 2 x 4 register tile of {@link dot32x4}. Each 8-level step loads 2 weight and 4 activation
 * vectors for 8 products, where one row per pass loads 5 for 4 (8 i32 accumulators, 6 loads and a
 * temporary fit x64's 16 vector registers; longer steps would spill). Each (row, token) result is
 * computed exactly as {@link dot32x4} computes it (exact integer sums, then the same float steps in the
 * same order). Results: row `u` to `out`, `out + outStride`, ...; row `v` 4 bytes after each.
 */
export function dot32x4Pair(u: usize, v: usize, a: usize, stride: usize, cols: i32, hasMin: bool, out: usize, outStride: usize): void {
  const np = paddedBlocks(cols);
  const dOff = <usize>np << 6; // the d and m (rows) or d and s (records) arrays after the levels
  const sOff = dOff + (<usize>np << 2);
  const a0 = a;
  const a1 = a + stride;
  const a2 = a1 + stride;
  const a3 = a2 + stride;
  let acc0 = f32x4.splat(0); // row u, tokens 0..3
  let acc1 = acc0;
  let acc2 = acc0;
  let acc3 = acc0;
  let acc4 = acc0; // row v, tokens 0..3
  let acc5 = acc0;
  let acc6 = acc0;
  let acc7 = acc0;
  let accm0 = acc0;
  let accm1 = acc0;
  let accm2 = acc0;
  let accm3 = acc0;
  let accm4 = acc0;
  let accm5 = acc0;
  let accm6 = acc0;
  let accm7 = acc0;
  for (let b = 0; b < np; b += 4) {
    const g = <usize>b << 6;
    let pu = u + g;
    let pv = v + g;
    let p0 = a0 + g;
    let p1 = a1 + g;
    let p2 = a2 + g;
    let p3 = a3 + g;
    const end = pu + 256;
    let s0 = i32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    let s4 = s0;
    let s5 = s0;
    let s6 = s0;
    let s7 = s0;
    while (true) {
      const wu = v128.load(pu);
      const wv = v128.load(pv);
      const x0 = v128.load(p0);
      const x1 = v128.load(p1);
      const x2 = v128.load(p2);
      const x3 = v128.load(p3);
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(wu, x0));
      s4 = i32x4.add(s4, i32x4.dot_i16x8_s(wv, x0));
      s1 = i32x4.add(s1, i32x4.dot_i16x8_s(wu, x1));
      s5 = i32x4.add(s5, i32x4.dot_i16x8_s(wv, x1));
      s2 = i32x4.add(s2, i32x4.dot_i16x8_s(wu, x2));
      s6 = i32x4.add(s6, i32x4.dot_i16x8_s(wv, x2));
      s3 = i32x4.add(s3, i32x4.dot_i16x8_s(wu, x3));
      s7 = i32x4.add(s7, i32x4.dot_i16x8_s(wv, x3));
      pu += 16;
      pv += 16;
      p0 += 16;
      p1 += 16;
      p2 += 16;
      p3 += 16;
      if (pu == end) break;
    }
    const bo = <usize>b << 2;
    const du = v128.load(u + dOff + bo);
    const dv = v128.load(v + dOff + bo);
    let da = v128.load(a0 + dOff + bo);
    acc0 = mulAdd(f32x4.convert_i32x4_s(s0), f32x4.mul(du, da), acc0);
    acc4 = mulAdd(f32x4.convert_i32x4_s(s4), f32x4.mul(dv, da), acc4);
    da = v128.load(a1 + dOff + bo);
    acc1 = mulAdd(f32x4.convert_i32x4_s(s1), f32x4.mul(du, da), acc1);
    acc5 = mulAdd(f32x4.convert_i32x4_s(s5), f32x4.mul(dv, da), acc5);
    da = v128.load(a2 + dOff + bo);
    acc2 = mulAdd(f32x4.convert_i32x4_s(s2), f32x4.mul(du, da), acc2);
    acc6 = mulAdd(f32x4.convert_i32x4_s(s6), f32x4.mul(dv, da), acc6);
    da = v128.load(a3 + dOff + bo);
    acc3 = mulAdd(f32x4.convert_i32x4_s(s3), f32x4.mul(du, da), acc3);
    acc7 = mulAdd(f32x4.convert_i32x4_s(s7), f32x4.mul(dv, da), acc7);
    if (hasMin) {
      const mu = v128.load(u + sOff + bo);
      const mv = v128.load(v + sOff + bo);
      let sa = v128.load(a0 + sOff + bo);
      accm0 = mulAdd(mu, sa, accm0);
      accm4 = mulAdd(mv, sa, accm4);
      sa = v128.load(a1 + sOff + bo);
      accm1 = mulAdd(mu, sa, accm1);
      accm5 = mulAdd(mv, sa, accm5);
      sa = v128.load(a2 + sOff + bo);
      accm2 = mulAdd(mu, sa, accm2);
      accm6 = mulAdd(mv, sa, accm6);
      sa = v128.load(a3 + sOff + bo);
      accm3 = mulAdd(mu, sa, accm3);
      accm7 = mulAdd(mv, sa, accm7);
    }
  }
  store<f32>(out, hsum(acc0) + hsum(accm0));
  store<f32>(out, hsum(acc4) + hsum(accm4), 4);
  store<f32>(out + outStride, hsum(acc1) + hsum(accm1));
  store<f32>(out + outStride, hsum(acc5) + hsum(accm5), 4);
  store<f32>(out + 2 * outStride, hsum(acc2) + hsum(accm2));
  store<f32>(out + 2 * outStride, hsum(acc6) + hsum(accm6), 4);
  store<f32>(out + 3 * outStride, hsum(acc3) + hsum(accm3));
  store<f32>(out + 3 * outStride, hsum(acc7) + hsum(accm7), 4);
}

// ---- plain floats ------------------------------------------------------------------------------------

/** f32 row `w` times f32 row `x` (`cols` values); sums in the same order as {@link dotF32x4}. */
export function dotF32x1(w: usize, x: usize, cols: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    acc = mulAdd(v128.load(w + o), v128.load(x + o), acc);
  }
  let s = hsum(acc);
  for (; j < cols; j++) s += load<f32>(w + (<usize>j << 2)) * load<f32>(x + (<usize>j << 2));
  return s;
}

/** f32 row `w` times four f32 rows (strides in bytes). */
export function dotF32x4(w: usize, x: usize, stride: usize, cols: i32, out: usize, outStride: usize): void {
  const x0 = x;
  const x1 = x + stride;
  const x2 = x1 + stride;
  const x3 = x2 + stride;
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    const wv = v128.load(w + o);
    acc0 = mulAdd(wv, v128.load(x0 + o), acc0);
    acc1 = mulAdd(wv, v128.load(x1 + o), acc1);
    acc2 = mulAdd(wv, v128.load(x2 + o), acc2);
    acc3 = mulAdd(wv, v128.load(x3 + o), acc3);
  }
  let s0 = hsum(acc0);
  let s1 = hsum(acc1);
  let s2 = hsum(acc2);
  let s3 = hsum(acc3);
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    const wj = load<f32>(w + o);
    s0 += wj * load<f32>(x0 + o);
    s1 += wj * load<f32>(x1 + o);
    s2 += wj * load<f32>(x2 + o);
    s3 += wj * load<f32>(x3 + o);
  }
  store<f32>(out, s0);
  store<f32>(out + outStride, s1);
  store<f32>(out + 2 * outStride, s2);
  store<f32>(out + 3 * outStride, s3);
}

// Element-wise and normalisation ops over f32 activation rows (row-major, `cols` values per row).

import { expF32x4, f32ToHalf, f32ToHalfX4, halfToF32, shareEnd, shareStart } from './common';

/** out[t, :] = x[t, :] / rms(x[t, :]) * w for rows t < n; threads split the rows. */
export function rms_norm(ith: i32, nth: i32, x: usize, out: usize, w: usize, cols: i32, n: i32, eps: f32): void {
  const rowBytes = <usize>cols << 2;
  for (let t = shareStart(n, ith, nth), end = shareEnd(n, ith, nth); t < end; t++) {
    const xr = x + <usize>t * rowBytes;
    const orow = out + <usize>t * rowBytes;
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const v = v128.load(xr + (<usize>j << 2));
      const sq = f32x4.mul(v, v);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(sq));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(sq, sq, 2, 3, 0, 1)));
    }
    const s = f64x2.add(s0, s1);
    let ss = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    for (; j < cols; j++) {
      const v = <f64>load<f32>(xr + (<usize>j << 2));
      ss += v * v;
    }
    const scale = <f32>(1.0 / Math.sqrt(ss / <f64>cols + <f64>eps));
    const sv = f32x4.splat(scale);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(orow + o, f32x4.mul(f32x4.mul(v128.load(xr + o), sv), v128.load(w + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(orow + o, load<f32>(xr + o) * scale * load<f32>(w + o));
    }
  }
}

/** Thread `ith`'s share of `len` elements, in whole groups of `1 << shift` (the last thread takes the tail). */
@inline
function vecStart(len: i32, ith: i32, nth: i32, shift: i32 = 2): i32 {
  return shareStart(len >> shift, ith, nth) << shift;
}
@inline
function vecEnd(len: i32, ith: i32, nth: i32, shift: i32 = 2): i32 {
  return ith == nth - 1 ? len : shareEnd(len >> shift, ith, nth) << shift;
}

/** out = a + b over `len` values (out may alias a or b). */
export function add(ith: i32, nth: i32, out: usize, a: usize, b: usize, len: i32): void {
  const end = vecEnd(len, ith, nth);
  let j = vecStart(len, ith, nth);
  for (; j + 4 <= end; j += 4) {
    const o = <usize>j << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; j < end; j++) {
    const o = <usize>j << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** out = silu(gate) * up = gate / (1 + e^-gate) * up over `len` values (out may alias gate or up). */
export function swiglu(ith: i32, nth: i32, out: usize, gate: usize, up: usize, len: i32): void {
  const end = vecEnd(len, ith, nth);
  const one = f32x4.splat(1);
  let j = vecStart(len, ith, nth);
  for (; j + 4 <= end; j += 4) {
    const o = <usize>j << 2;
    const g = v128.load(gate + o);
    const silu = f32x4.div(g, f32x4.add(one, expF32x4(f32x4.neg(g))));
    v128.store(out + o, f32x4.mul(silu, v128.load(up + o)));
  }
  for (; j < end; j++) {
    const o = <usize>j << 2;
    const g = f32x4.splat(load<f32>(gate + o));
    const silu = f32x4.div(g, f32x4.add(one, expF32x4(f32x4.neg(g))));
    store<f32>(out + o, f32x4.extract_lane(silu, 0) * load<f32>(up + o));
  }
}

/**
 * Rotary position embedding, in place, on `rows` rows of `nHead` heads of `headDim` values (`rowStride`
 * bytes apart; f32, or f16 when `isF16`). The first `nDims` values of each head rotate by the table of the
 * row (`tableStride` bytes apart; 0 = one table for all rows): table = [C: f32 x nDims][S: f32 x nDims],
 * out[d] = x[d] * C[d] + x[partner(d)] * S[d], partner = d ^ 1 (normal) or d +- nDims/2 (neox).
 * Threads split the (row, head) pairs.
 */
export function rope(
  ith: i32, nth: i32, x: usize, rows: i32, rowStride: i32, nHead: i32, headDim: i32, nDims: i32, neox: bool,
  table: usize, tableStride: i32, isF16: bool, scratchBase: usize, scratchStride: usize,
): void {
  const scratch = scratchBase + <usize>ith * scratchStride;
  const total = rows * nHead;
  const half = nDims >> 1;
  const es: usize = isF16 ? 2 : 4;
  for (let i = shareStart(total, ith, nth), end = shareEnd(total, ith, nth); i < end; i++) {
    const r = i / nHead;
    const h = i - r * nHead;
    const p = x + <usize>r * <usize>rowStride + <usize>(h * headDim) * es;
    const C = table + <usize>r * <usize>tableStride;
    const S = C + (<usize>nDims << 2);
    // f16 rows are widened into scratch, rotated there, and narrowed back
    let v = p;
    if (isF16) {
      v = scratch;
      for (let d = 0; d < nDims; d++) store<f32>(v + (<usize>d << 2), halfToF32(load<u16>(p + (<usize>d << 1))));
    }
    if (!neox) {
      let d = 0;
      for (; d + 4 <= nDims; d += 4) {
        const o = <usize>d << 2;
        const xv = v128.load(v + o);
        const sw = v128.shuffle<f32>(xv, xv, 1, 0, 3, 2);
        v128.store(v + o, f32x4.add(f32x4.mul(xv, v128.load(C + o)), f32x4.mul(sw, v128.load(S + o))));
      }
      for (; d < nDims; d += 2) {
        const o = <usize>d << 2;
        const x0 = load<f32>(v + o);
        const x1 = load<f32>(v + o + 4);
        store<f32>(v + o, x0 * load<f32>(C + o) + x1 * load<f32>(S + o));
        store<f32>(v + o + 4, x1 * load<f32>(C + o + 4) + x0 * load<f32>(S + o + 4));
      }
    } else {
      let d = 0;
      const ho = <usize>half << 2;
      for (; d + 4 <= half; d += 4) {
        const o = <usize>d << 2;
        const x0 = v128.load(v + o);
        const x1 = v128.load(v + o + ho);
        v128.store(v + o, f32x4.add(f32x4.mul(x0, v128.load(C + o)), f32x4.mul(x1, v128.load(S + o))));
        v128.store(v + o + ho, f32x4.add(f32x4.mul(x1, v128.load(C + o + ho)), f32x4.mul(x0, v128.load(S + o + ho))));
      }
      for (; d < half; d++) {
        const o = <usize>d << 2;
        const x0 = load<f32>(v + o);
        const x1 = load<f32>(v + o + ho);
        store<f32>(v + o, x0 * load<f32>(C + o) + x1 * load<f32>(S + o));
        store<f32>(v + o + ho, x1 * load<f32>(C + o + ho) + x0 * load<f32>(S + o + ho));
      }
    }
    if (isF16) {
      for (let d = 0; d < nDims; d++) store<u16>(p + (<usize>d << 1), <u16>f32ToHalf(load<f32>(v + (<usize>d << 2))));
    }
  }
}

/** Converts `count` f32 values at `src` to IEEE halves at `dst` (round to nearest even). */
export function f32_to_f16(ith: i32, nth: i32, src: usize, dst: usize, count: i32): void {
  // threads take whole groups of 8; the last one also takes the tail
  const end = vecEnd(count, ith, nth, 3);
  let i = vecStart(count, ith, nth, 3);
  for (; i + 8 <= end; i += 8) {
    const lo = f32ToHalfX4(v128.load(src + (<usize>i << 2)));
    const hi = f32ToHalfX4(v128.load(src + (<usize>i << 2), 16));
    v128.store(dst + (<usize>i << 1), i16x8.narrow_i32x4_u(lo, hi));
  }
  for (; i < end; i++) store<u16>(dst + (<usize>i << 1), <u16>f32ToHalf(load<f32>(src + (<usize>i << 2))));
}

/** Widens `count` halves at `src` to f32 at `dst`. */
export function f16_to_f32(ith: i32, nth: i32, src: usize, dst: usize, count: i32): void {
  for (let i = shareStart(count, ith, nth), end = shareEnd(count, ith, nth); i < end; i++) {
    store<f32>(dst + (<usize>i << 2), halfToF32(load<u16>(src + (<usize>i << 1))));
  }
}

/**
 * Writes every 4 KiB page that overlaps `[ptr, ptr + bytes)` once, without changing a value (an atomic add
 * of 0), so that the operating system backs the pages before weights are copied in. A fresh page costs
 * one fault on first write; on virtual machines whose host backs guest memory lazily that fault can
 * cost 10 us, and threads take their faults in parallel where one copying thread takes them in turn.
 */
export function touch_pages(ith: i32, nth: i32, ptr: usize, bytes: usize): void {
  if (bytes == 0) return;
  const first = ptr >> 12;
  const pages = <i32>(((ptr + bytes - 1) >> 12) - first + 1);
  for (let i = shareStart(pages, ith, nth), end = shareEnd(pages, ith, nth); i < end; i++) {
    const page = (first + <usize>i) << 12;
    // The first page may start before `ptr`: touch the word that holds ptr instead (adding 0 is harmless).
    atomic.add<u32>(page > ptr ? page : ptr & ~(<usize>3), 0);
  }
}

/**
 * Reads `bytes` (a multiple of 64) at `src` as fast as possible and stores a checksum per thread at
 * `out + 16 * ith`: the memory read bandwidth probe of the benchmark.
 */
export function read_memory(ith: i32, nth: i32, src: usize, bytes: usize, out: usize): void {
  const blocks = <i32>(bytes >> 6);
  const start = <usize>shareStart(blocks, ith, nth) << 6;
  const end = <usize>shareEnd(blocks, ith, nth) << 6;
  let a = i32x4.splat(0);
  let b = i32x4.splat(0);
  let c = i32x4.splat(0);
  let d = i32x4.splat(0);
  for (let p = src + start; p < src + end; p += 64) {
    a = i32x4.add(a, v128.load(p));
    b = i32x4.add(b, v128.load(p, 16));
    c = i32x4.add(c, v128.load(p, 32));
    d = i32x4.add(d, v128.load(p, 48));
  }
  v128.store(out + (<usize>ith << 4), i32x4.add(i32x4.add(a, b), i32x4.add(c, d)));
}

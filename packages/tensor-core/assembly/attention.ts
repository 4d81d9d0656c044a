// Causal grouped-query attention over a KV cache, fused: scores, online softmax and the weighted sum of
// values in one pass over the cache, chunk by chunk, without materialising the score matrix.
//
// q, out: [n, nHead * headDim] f32. K and V of the layer: one row per cell, `kvStride` bytes apart, head g
// at g * headDim values, f32 or f16. Query row t sits at position pos0 + t and sees cells 0 .. pos0 + t.
// Work item = (query row t, KV head g): the `nHead / nHeadKv` query heads sharing KV head g are done
// together, so each K/V row is read (and, from an f16 cache, widened) once per group. Items are claimed
// through a shared counter. f16 values widen exactly (common.ts finiteHalfToF32x4; a cache holds finite
// values: an infinity would already have broken the softmax).

import { claimChunk, expF32x4, finiteHalfToF32x4, hmax, hsum } from './common';

/** Cells per chunk of scores. */
const CHUNK: i32 = 64;

/** q (f32) dot k (f32), `headDim` values (a multiple of 4). */
@inline
function dot(q: usize, k: usize, headDim: i32): f32 {
  let acc = f32x4.splat(0);
  for (let d = 0; d < headDim; d += 4) {
    const o = <usize>d << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(q + o), v128.load(k + o)));
  }
  return hsum(acc);
}

/** acc[0 .. headDim) += p * v (f32). */
@inline
function accumulate(acc: usize, p: f32, v: usize, headDim: i32): void {
  const pv = f32x4.splat(p);
  for (let d = 0; d < headDim; d += 4) {
    const o = <usize>d << 2;
    v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(pv, v128.load(v + o))));
  }
}

/** A row of the cache as f32: in place for an f32 cache, widened into `buf` for an f16 one. */
@inline
function rowF32(p: usize, headDim: i32, isF16: bool, buf: usize): usize {
  if (!isF16) return p;
  for (let d = 0; d < headDim; d += 4) {
    v128.store(buf + (<usize>d << 2), finiteHalfToF32x4(v128.load16x4_u(p + (<usize>d << 1))));
  }
  return buf;
}

/**
 * Scratch per thread: acc [group, headDim] f32, scores [group, CHUNK] f32, max and sum [group] f32, and a
 * row buffer [headDim] f32. `headDim` must be a multiple of 4.
 */
export function attention(
  ith: i32, nth: i32, q: usize, out: usize, k: usize, v: usize, isF16: bool, nHead: i32, nHeadKv: i32,
  headDim: i32, kvStride: i32, pos0: i32, n: i32, scale: f32, scratchBase: usize, scratchStride: usize, counter: usize,
): void {
  const scratch = scratchBase + <usize>ith * scratchStride;
  const group = nHead / nHeadKv;
  const es: usize = isF16 ? 2 : 4;
  const headBytes = <usize>headDim << 2;
  const acc = scratch;
  const scores = acc + <usize>group * headBytes;
  const maxes = scores + (<usize>(group * CHUNK) << 2);
  const sums = maxes + (<usize>group << 2);
  const rowBuf = sums + (<usize>group << 2);
  const total = n * nHeadKv;
  let item = -1;
  while (true) {
    item = claimChunk(counter, item, ith, nth);
    if (item >= total) break;
    // longest rows first: later query rows see more cells
    const rev = total - 1 - item;
    const t = rev / nHeadKv;
    const g = rev - t * nHeadKv;
    const nKv = pos0 + t + 1;
    const kHead = k + <usize>g * <usize>headDim * es;
    const vHead = v + <usize>g * <usize>headDim * es;
    const qRow = q + <usize>(t * nHead + g * group) * headBytes;
    for (let hi = 0; hi < group; hi++) {
      memory.fill(acc + <usize>hi * headBytes, 0, headBytes);
      store<f32>(maxes + (<usize>hi << 2), -Infinity);
      store<f32>(sums + (<usize>hi << 2), 0);
    }
    for (let j0 = 0; j0 < nKv; j0 += CHUNK) {
      const len = min(CHUNK, nKv - j0);
      // scores of this chunk for every head of the group
      for (let j = 0; j < len; j++) {
        const kr = rowF32(kHead + <usize>(j0 + j) * <usize>kvStride, headDim, isF16, rowBuf);
        for (let hi = 0; hi < group; hi++) {
          const s = dot(qRow + <usize>hi * headBytes, kr, headDim) * scale;
          store<f32>(scores + (<usize>(hi * CHUNK + j) << 2), s);
        }
      }
      // online softmax: new running max, rescale factor for what was accumulated, probabilities
      for (let hi = 0; hi < group; hi++) {
        const sc = scores + (<usize>(hi * CHUNK) << 2);
        let mv = f32x4.splat(-Infinity);
        let j = 0;
        for (; j + 4 <= len; j += 4) mv = f32x4.max(mv, v128.load(sc + (<usize>j << 2)));
        let m = hmax(mv);
        for (; j < len; j++) m = max(m, load<f32>(sc + (<usize>j << 2)));
        const mOld = load<f32>(maxes + (<usize>hi << 2));
        const mNew = max(mOld, m);
        const corr = f32x4.extract_lane(expF32x4(f32x4.splat(mOld - mNew)), 0);
        const mNewV = f32x4.splat(mNew);
        let sv = f32x4.splat(0);
        j = 0;
        for (; j + 4 <= len; j += 4) {
          const o = <usize>j << 2;
          const p = expF32x4(f32x4.sub(v128.load(sc + o), mNewV));
          v128.store(sc + o, p);
          sv = f32x4.add(sv, p);
        }
        let sum = hsum(sv);
        for (; j < len; j++) {
          const o = <usize>j << 2;
          const p = f32x4.extract_lane(expF32x4(f32x4.splat(load<f32>(sc + o) - mNew)), 0);
          store<f32>(sc + o, p);
          sum += p;
        }
        store<f32>(maxes + (<usize>hi << 2), mNew);
        store<f32>(sums + (<usize>hi << 2), load<f32>(sums + (<usize>hi << 2)) * corr + sum);
        // rescale the accumulator once per chunk (corr = 1 when the max did not move)
        if (corr != 1) {
          const a = acc + <usize>hi * headBytes;
          const c = f32x4.splat(corr);
          for (let d = 0; d < headDim; d += 4) v128.store(a + (<usize>d << 2), f32x4.mul(v128.load(a + (<usize>d << 2)), c));
        }
      }
      // weighted sum of the values
      for (let j = 0; j < len; j++) {
        const vr = rowF32(vHead + <usize>(j0 + j) * <usize>kvStride, headDim, isF16, rowBuf);
        for (let hi = 0; hi < group; hi++) {
          const p = load<f32>(scores + (<usize>(hi * CHUNK + j) << 2));
          accumulate(acc + <usize>hi * headBytes, p, vr, headDim);
        }
      }
    }
    const oRow = out + <usize>(t * nHead + g * group) * headBytes;
    for (let hi = 0; hi < group; hi++) {
      const inv = f32x4.splat(<f32>1 / load<f32>(sums + (<usize>hi << 2)));
      const a = acc + <usize>hi * headBytes;
      const o = oRow + <usize>hi * headBytes;
      for (let d = 0; d < headDim; d += 4) v128.store(o + (<usize>d << 2), f32x4.mul(v128.load(a + (<usize>d << 2)), inv));
    }
  }
}

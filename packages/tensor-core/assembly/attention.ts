// Causal grouped-query attention over a KV cache, fused: scores, online softmax and the weighted sum of
// values in one pass over the cache, chunk by chunk, without materialising the score matrix.
//
// q, out: [n, nHead * headDim] f32. K and V of the layer: one row per cell, `kvStride` bytes apart, head g
// at g * headDim values, f32 or f16. Query row t sits at position pos0 + t and sees cells 0 .. pos0 + t.
// Work item = (block of QUERY_BLOCK query rows, KV head g): every query head of the block that shares KV
// head g is done together, so each chunk's K/V rows are staged (and, from an f16 cache, widened) once for
// all of them. Items are claimed through a shared counter. f16 values widen exactly (widen8; a cache holds
// finite values: an infinity would already have broken the softmax).

import { claimChunk, expF32, expF32x4, finiteHalfToF32x4, hmax, hsum, keepLoads, touchLines, mulAdd } from './common';
import { VF, VI, vf, vi } from './vconst';

/** Cells per chunk of scores (64 measured 2-10% slower in prefill: more per-chunk softmax steps). */
const CHUNK: i32 = 128;
/**
 * Query rows per work item: their heads share each staged (f16-widened) K/V row (see {@link attention}).
 * Staging costs about as much per cell as a query head's products with it, so with one query head per KV
 * head (LLaMA-7B) and 4 rows per item it was more than a third of the time: a 7B-shaped pp512 layer took
 * 74 ms at two threads with 4 rows, 44 ms with 16 (tinyllama shape, 8 heads per KV head: 17.3 -> 15.5 ms).
 * 32 rows gained 10% more for 7B but makes fewer, larger items for many threads.
 */
const QUERY_BLOCK: i32 = 16;

/**
 * Eight finite halves at `p` to f32 at `dst`, exact. With a half in the high 16 bits of an i32 lane, an
 * arithmetic shift right by 3 puts its exponent and mantissa where an f32 has them and keeps the sign in
 * bit 31 (its copies in bits 30-28 are masked off): the f32 so formed is 2^-112 times the half's value (a
 * subnormal half lands on an f32 subnormal), and times 2^112 it is the value. Four or five instructions
 * per four values where the general conversion (common.ts finiteHalfToF32x4, kept for weight scales)
 * takes twelve: the cache is the one input read in full per token at long contexts. (A subnormal half
 * makes a subnormal multiply operand, which costs Intel CPUs a microcode assist without DAZ, as in wasm;
 * K and V values below 6e-5 in magnitude are rare, so the weight-scale conversions keep the other way.)
 */
@inline
function widen8(p: usize, dst: usize): void {
  const v = v128.load(p); // [h0 h1 | h2 h3 | h4 h5 | h6 h7] as u16
  const bits = vi(VI.SHIFTED_HALF_BITS); // sign, exponent and mantissa of the shifted half
  const scale = vf(VF.TWO_POW_112); // 2^112
  const evenF = f32x4.mul(v128.and(i32x4.shr_s(i32x4.shl(v, 16), 3), bits), scale); // h0 h2 h4 h6
  const oddF = f32x4.mul(v128.and(i32x4.shr_s(v, 3), bits), scale); // h1 h3 h5 h7
  v128.store(dst, v128.shuffle<f32>(evenF, oddF, 0, 4, 1, 5));
  v128.store(dst, v128.shuffle<f32>(evenF, oddF, 2, 6, 3, 7), 16);
}

/**
 * Copies `rows` cache rows (`headDim` values each, `stride` bytes apart) to `dst` as f32 rows, widening
 * an f16 cache, so that the chunk's products read plain f32 rows from L1.
 */
@inline
function stageRows(src: usize, stride: usize, rows: i32, headDim: i32, isF16: bool, dst: usize): void {
  const headBytes = <usize>headDim << 2;
  // one load per cache line of every row first, in a tight burst: the rows are `stride` apart (a cell row
  // holds every KV head: 8 KiB for a LLaMA-7B shape), so the prefetchers do not follow them, and the
  // misses of a burst are in flight together where the widening loop below waited for them a few at a
  // time (7B-shaped one-token attention at 2048 cells: 6.2 -> 4.2 ms per layer on one thread)
  const rowBytes = <usize>headDim * (isF16 ? 2 : 4);
  let touched: i32 = 0;
  for (let j = 0; j < rows; j++) touched ^= touchLines(src + <usize>j * stride, rowBytes);
  keepLoads(touched);
  for (let j = 0; j < rows; j++) {
    const p = src + <usize>j * stride;
    const d0 = dst + <usize>j * headBytes;
    if (!isF16) {
      memory.copy(d0, p, headBytes);
      continue;
    }
    let d = 0;
    for (; d + 8 <= headDim; d += 8) widen8(p + (<usize>d << 1), d0 + (<usize>d << 2));
    if (d < headDim) v128.store(d0 + (<usize>d << 2), finiteHalfToF32x4(v128.load16x4_u(p + (<usize>d << 1))));
  }
}

/** Lane i = (a_i.0 + a_i.2) + (a_i.1 + a_i.3): four horizontal sums in hsum's order, as one vector. */
@inline
function sums4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const u01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const u23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u01, u23, 0, 1, 4, 5), v128.shuffle<f32>(u01, u23, 2, 3, 6, 7));
}

/**
 * Scores of four cells for one head: `scale` * (q . k_i) for the four f32 rows at `k`, `headBytes` apart,
 * as one vector. Four independent accumulators keep the adders busy (one accumulator was a chain of
 * dependent adds, latency-bound); each lane sums in the order a single dot would, so the scores are the
 * same bits as four separate dots.
 */
@inline
function scores4(q: usize, k: usize, headBytes: usize, scale: f32): v128 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  // plain pointer steps: V8 recomputed (and spilled) the row address products on every iteration
  let k0 = k;
  let k1 = k + headBytes;
  let k2 = k1 + headBytes;
  let k3 = k2 + headBytes;
  for (let qp = q, end = q + headBytes; qp < end; qp += 16) {
    const qv = v128.load(qp);
    a0 = mulAdd(qv, v128.load(k0), a0);
    a1 = mulAdd(qv, v128.load(k1), a1);
    a2 = mulAdd(qv, v128.load(k2), a2);
    a3 = mulAdd(qv, v128.load(k3), a3);
    k0 += 16;
    k1 += 16;
    k2 += 16;
    k3 += 16;
  }
  return f32x4.mul(sums4(a0, a1, a2, a3), f32x4.splat(scale));
}

/**
 * {@link scores4} for two query heads (`q` and the next row, `q + headBytes`), stored at `sa` and `sb`:
 * each K load serves both, and eight accumulators hide the adds' latency. Same values as scores4.
 */
@inline
function scores4x2(q: usize, k: usize, headBytes: usize, scale: f32, sa: usize, sb: usize): void {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  let b1 = f32x4.splat(0);
  let b2 = f32x4.splat(0);
  let b3 = f32x4.splat(0);
  let k0 = k;
  for (let qp = q, end = q + headBytes; qp < end; qp += 16) {
    const qa = v128.load(qp);
    const qv = v128.load(qp + headBytes);
    const x0 = v128.load(k0);
    a0 = mulAdd(qa, x0, a0);
    b0 = mulAdd(qv, x0, b0);
    const x1 = v128.load(k0 + headBytes);
    a1 = mulAdd(qa, x1, a1);
    b1 = mulAdd(qv, x1, b1);
    const x2 = v128.load(k0 + 2 * headBytes);
    a2 = mulAdd(qa, x2, a2);
    b2 = mulAdd(qv, x2, b2);
    const x3 = v128.load(k0 + 3 * headBytes);
    a3 = mulAdd(qa, x3, a3);
    b3 = mulAdd(qv, x3, b3);
    k0 += 16;
  }
  const sv = f32x4.splat(scale);
  v128.store(sa, f32x4.mul(sums4(a0, a1, a2, a3), sv));
  v128.store(sb, f32x4.mul(sums4(b0, b1, b2, b3), sv));
}

/**
 * acc[0 .. headDim) += sum over cells j < len of p[j] * v_j, the accumulator held in registers 16 values
 * at a time while the cells pass (in memory, each cell was a load and a store of the whole row; with 32
 * values at a time V8 ran out of registers and spilled one accumulator). The adds per value happen in
 * cell order, as before.
 */
@inline
function weightedSum(acc: usize, p: usize, v: usize, len: i32, headDim: i32, headBytes: usize): void {
  let d = 0;
  for (; d + 16 <= headDim; d += 16) {
    const a = acc + (<usize>d << 2);
    let x0 = v128.load(a);
    let x1 = v128.load(a, 16);
    let x2 = v128.load(a, 32);
    let x3 = v128.load(a, 48);
    let vr = v + (<usize>d << 2);
    for (let j = 0; j < len; j++, vr += headBytes) {
      const pv = v128.load32_splat(p + (<usize>j << 2));
      x0 = mulAdd(pv, v128.load(vr), x0);
      x1 = mulAdd(pv, v128.load(vr, 16), x1);
      x2 = mulAdd(pv, v128.load(vr, 32), x2);
      x3 = mulAdd(pv, v128.load(vr, 48), x3);
    }
    v128.store(a, x0);
    v128.store(a, x1, 16);
    v128.store(a, x2, 32);
    v128.store(a, x3, 48);
  }
  for (; d < headDim; d += 4) {
    const a = acc + (<usize>d << 2);
    let x = v128.load(a);
    let vr = v + (<usize>d << 2);
    for (let j = 0; j < len; j++, vr += headBytes) x = mulAdd(v128.load32_splat(p + (<usize>j << 2)), v128.load(vr), x);
    v128.store(a, x);
  }
}

/**
 * {@link weightedSum} for two query heads over the same cells: each V load serves both, and the eight
 * accumulators (16 values of each head) fit V8's registers.
 */
@inline
function weightedSum2(acc: usize, accB: usize, p: usize, pB: usize, v: usize, len: i32, headDim: i32, headBytes: usize): void {
  let d = 0;
  for (; d + 16 <= headDim; d += 16) {
    const a = acc + (<usize>d << 2);
    const b = accB + (<usize>d << 2);
    let x0 = v128.load(a);
    let x1 = v128.load(a, 16);
    let x2 = v128.load(a, 32);
    let x3 = v128.load(a, 48);
    let y0 = v128.load(b);
    let y1 = v128.load(b, 16);
    let y2 = v128.load(b, 32);
    let y3 = v128.load(b, 48);
    let vr = v + (<usize>d << 2);
    for (let j = 0; j < len; j++, vr += headBytes) {
      const pa = v128.load32_splat(p + (<usize>j << 2));
      const pb = v128.load32_splat(pB + (<usize>j << 2));
      const v0 = v128.load(vr);
      x0 = mulAdd(pa, v0, x0);
      y0 = mulAdd(pb, v0, y0);
      const v1 = v128.load(vr, 16);
      x1 = mulAdd(pa, v1, x1);
      y1 = mulAdd(pb, v1, y1);
      const v2 = v128.load(vr, 32);
      x2 = mulAdd(pa, v2, x2);
      y2 = mulAdd(pb, v2, y2);
      const v3 = v128.load(vr, 48);
      x3 = mulAdd(pa, v3, x3);
      y3 = mulAdd(pb, v3, y3);
    }
    v128.store(a, x0);
    v128.store(a, x1, 16);
    v128.store(a, x2, 32);
    v128.store(a, x3, 48);
    v128.store(b, y0);
    v128.store(b, y1, 16);
    v128.store(b, y2, 32);
    v128.store(b, y3, 48);
  }
  if (d < headDim) {
    weightedSum(acc + (<usize>d << 2), p, v + (<usize>d << 2), len, headDim - d, headBytes);
    weightedSum(accB + (<usize>d << 2), pB, v + (<usize>d << 2), len, headDim - d, headBytes);
  }
}

/**
 * Online softmax step for one query head over a chunk: folds the chunk's `len` scores at `sc` into the
 * running max and sum, turns them into probabilities in place, and rescales the head's accumulator when
 * the max moved.
 */
@inline
function softmaxChunk(sc: usize, len: i32, maxAt: usize, sumAt: usize, acc: usize, headDim: i32): void {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= len; j += 4) mv = f32x4.pmax(mv, v128.load(sc + (<usize>j << 2)));
  let m = hmax(mv);
  for (; j < len; j++) m = max(m, load<f32>(sc + (<usize>j << 2)));
  const mOld = load<f32>(maxAt);
  const mNew = max(mOld, m);
  const corr = expF32(mOld - mNew);
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
    const p = expF32(load<f32>(sc + o) - mNew);
    store<f32>(sc + o, p);
    sum += p;
  }
  store<f32>(maxAt, mNew);
  store<f32>(sumAt, load<f32>(sumAt) * corr + sum);
  // rescale the accumulator once per chunk (corr = 1 when the max did not move)
  if (corr != 1) {
    const c = f32x4.splat(corr);
    for (let d = 0; d < headDim; d += 4) v128.store(acc + (<usize>d << 2), f32x4.mul(v128.load(acc + (<usize>d << 2)), c));
  }
}

/**
 * Scratch per thread, for the `QUERY_BLOCK * group` query heads of an item: acc [heads, headDim] f32, scores
 * [heads, CHUNK] f32, max and sum [heads] f32, and the chunk's K and V rows [CHUNK, headDim] f32 each
 * (src/wasm/wasm-backend.ts sizes it). `headDim` must be a multiple of 4.
 *
 * Work item = (block of QUERY_BLOCK query rows, KV head g): every query head of the block that shares KV
 * head g is done together, so each K/V row is staged (widened from f16) once for all of them. Per query
 * head the arithmetic is the same, in the same order, whatever the block, so results do not depend on it.
 */
export function attention(
  ith: i32, nth: i32, q: usize, out: usize, k: usize, v: usize, isF16: bool, nHead: i32, nHeadKv: i32,
  headDim: i32, kvStride: i32, pos0: i32, n: i32, scale: f32, scratchBase: usize, scratchStride: usize, counter: usize,
): void {
  const scratch = scratchBase + <usize>ith * scratchStride;
  const group = nHead / nHeadKv;
  const maxHeads = QUERY_BLOCK * group;
  const es: usize = isF16 ? 2 : 4;
  const headBytes = <usize>headDim << 2;
  const acc = scratch;
  const scores = acc + <usize>maxHeads * headBytes;
  const maxes = scores + (<usize>(maxHeads * CHUNK) << 2);
  const sums = maxes + (<usize>maxHeads << 2);
  const kBuf = sums + (<usize>maxHeads << 2);
  const vBuf = kBuf + (<usize>CHUNK * headBytes);
  const stride = <usize>kvStride;
  const blocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;
  const total = blocks * nHeadKv;
  let item = -1;
  while (true) {
    item = claimChunk(counter, item, ith, nth);
    if (item >= total) break;
    // longest rows first: later query rows see more cells
    const rev = total - 1 - item;
    const b = rev / nHeadKv;
    const g = rev - b * nHeadKv;
    const t0 = b * QUERY_BLOCK;
    const rowsInBlock = min(QUERY_BLOCK, n - t0);
    const heads = rowsInBlock * group; // query head h: row t0 + h / group, head g * group + h % group
    const kHead = k + <usize>g * <usize>headDim * es;
    const vHead = v + <usize>g * <usize>headDim * es;
    for (let h = 0; h < heads; h++) {
      memory.fill(acc + <usize>h * headBytes, 0, headBytes);
      store<f32>(maxes + (<usize>h << 2), -Infinity);
      store<f32>(sums + (<usize>h << 2), 0);
    }
    // the block's last row sees the most cells: pos0 + t0 + rowsInBlock
    const nKvMax = pos0 + t0 + rowsInBlock;
    for (let j0 = 0; j0 < nKvMax; j0 += CHUNK) {
      const chunkLen = min(CHUNK, nKvMax - j0);
      // this chunk's K rows as f32, padded with zero rows to whole quads of cells
      const len4 = (chunkLen + 3) & ~3;
      stageRows(kHead + <usize>j0 * stride, stride, chunkLen, headDim, isF16, kBuf);
      memory.fill(kBuf + <usize>chunkLen * headBytes, 0, <usize>(len4 - chunkLen) * headBytes);
      stageRows(vHead + <usize>j0 * stride, stride, chunkLen, headDim, isF16, vBuf);
      for (let h = 0; h < heads; ) {
        const ti = h / group;
        // cells of this chunk that query row t0 + ti sees (causal)
        const len = min(chunkLen, pos0 + t0 + ti + 1 - j0);
        // heads h and h + 1 of the same row see the same cells: one pass over V serves both
        const count = h + 1 < heads && (h + 1) / group == ti ? 2 : 1;
        if (len <= 0) {
          h += count;
          continue;
        }
        const qh = q + <usize>((t0 + ti) * nHead + g * group + (h - ti * group)) * headBytes;
        const sh = scores + (<usize>(h * CHUNK) << 2);
        // scores: [len] per head (whole quads computed; lanes past len are never read)
        for (let j = 0; j < len; j += 4) {
          const kq = kBuf + <usize>j * headBytes;
          if (count == 2) scores4x2(qh, kq, headBytes, scale, sh + (<usize>j << 2), sh + (<usize>(CHUNK + j) << 2));
          else v128.store(sh + (<usize>j << 2), scores4(qh, kq, headBytes, scale));
        }
        for (let e = h; e < h + count; e++) {
          const sc = scores + (<usize>(e * CHUNK) << 2);
          softmaxChunk(sc, len, maxes + (<usize>e << 2), sums + (<usize>e << 2), acc + <usize>e * headBytes, headDim);
        }
        const a = acc + <usize>h * headBytes;
        const sc = scores + (<usize>(h * CHUNK) << 2);
        // weighted sum of the values
        if (count == 2) weightedSum2(a, a + headBytes, sc, sc + (<usize>CHUNK << 2), vBuf, len, headDim, headBytes);
        else weightedSum(a, sc, vBuf, len, headDim, headBytes);
        h += count;
      }
    }
    for (let h = 0; h < heads; h++) {
      const ti = h / group;
      const inv = f32x4.splat(<f32>1 / load<f32>(sums + (<usize>h << 2)));
      const a = acc + <usize>h * headBytes;
      const o = out + <usize>((t0 + ti) * nHead + g * group + (h - ti * group)) * headBytes;
      for (let d = 0; d < headDim; d += 4) v128.store(o + (<usize>d << 2), f32x4.mul(v128.load(a + (<usize>d << 2)), inv));
    }
  }
}

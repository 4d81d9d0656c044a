// Placed groups of 32-value blocks with 16 nibble bytes (relaxed builds): Q4_0 (a half scale, then 16 qs bytes),
// Q4_1 (a half scale, a half min, then qs), Q5_0 and Q5_1 (as Q4_0 and Q4_1 with a u32 of fifth bits qh before
// the qs): F = 1 or 2 half fields a block, H = 0 or 1 qh. Each row's blocks are rearranged at upload
// (src/wasm/placement.ts) in groups of four: field f of block c at byte 8f + 2c of the group, then (H = 1) the
// fifth bits as eight u16 (16 bytes: {@link placedQh}), then four placed vectors, word c of vector k holding
// block c's qs bytes 4k .. 4k + 3. The low nibbles of vector k are then values 4k .. 4k + 3 of each block, the
// high ones 16 + 4k .. 16 + 4k + 3, every word one block: the decode product ({@link groupDot4}, block32.ts
// fusedDot32) adds a whole group's 4-bit pair sums in i16 (at most 8 * 2 * 15 * 127 = 30480 a lane; 5-bit ones
// widen per vector, {@link groupDot5}) and widens once, each i32 lane one block's sum, where ggml's order widens
// per block and gathers the four sums with shuffles and the scales with four scalar loads (Q4_0 decode +6-17%
// per core on Node 20; the others gain on Node 24 and in Chromium). The blocks after a row's last whole group
// stay in ggml's order. Activations come placed to match (activations.ts quantize_q8_32 option 3); the relaxed
// batched layout (unpacked8.ts) is the placed group itself, nibbles apart. The SIMD-128 build keeps ggml's order.

import { anchor } from '../common';
import { dotAdd, pairSumsOf } from '../simd-dot';
import { transposedWords } from '../transpose';
import {
  block32rAt,
  halves4,
  highNibbles,
  levels5,
  lowNibbles,
  paddedBlocks,
  scaleAt,
  storeRow8Block,
  storeRow8Scale,
  sumLevels5,
} from './block32';

/** Whether this build places rows in groups (see the header). */
export const GROUPS_PLACED: bool = RELAXED != 0;

/** Blocks of a row of `nb` blocks that sit in placed groups: its whole groups of four (relaxed builds). */
@inline
export function placedGroupBlocks(nb: i32): i32 {
  return GROUPS_PLACED ? nb & ~3 : 0;
}

/** Bytes of a block with `fields` half fields, `qh` u32s of fifth bits (0 or 1) and 16 qs bytes. */
@inline
export function blockBytesOf(fields: i32, qh: i32): usize {
  return <usize>(2 * fields + 4 * qh + 16);
}

/** Where a placed group's vectors start: after its fields and fifth bits. */
@inline
export function groupVectorsAt(fields: i32, qh: i32): usize {
  return <usize>(8 * fields + 16 * qh);
}

/** Address of half field f of block b of a row at `w` (`fields` a block) whose first `placed` blocks are placed. */
@inline
export function groupedHalfAt(w: usize, b: i32, placed: i32, fields: i32, qh: i32, f: i32): usize {
  const bb = blockBytesOf(fields, qh);
  if (b >= placed) return w + <usize>b * bb + (<usize>f << 1);
  const c = b & 3;
  return w + <usize>(b - c) * bb + (<usize>f << 3) + (<usize>c << 1);
}

/** The 16 qs bytes of block b of a row at `w` (`fields` a block) whose first `placed` blocks are placed, in ggml's order. */
@inline
export function groupedQs(w: usize, b: i32, placed: i32, fields: i32, qh: i32): v128 {
  const bb = blockBytesOf(fields, qh);
  if (b >= placed) return v128.load(w + <usize>b * bb + (<usize>fields << 1) + (<usize>qh << 2));
  const c = b & 3;
  // word k of the block: word c of placed vector k
  const p = w + <usize>(b - c) * bb + groupVectorsAt(fields, qh) + (<usize>c << 2);
  return i32x4(load<i32>(p), load<i32>(p, 16), load<i32>(p, 32), load<i32>(p, 48));
}

/** The fifth bits (qh) of block b of a row at `w` (`fields` half fields a block) whose first `placed` blocks are placed. */
@inline
export function groupedQh(w: usize, b: i32, placed: i32, fields: i32): u32 {
  const bb = blockBytesOf(fields, 1);
  if (b >= placed) return load<u32>(w + <usize>b * bb + (<usize>fields << 1));
  const c = b & 3;
  return blockQh(w + <usize>(b - c) * bb + (<usize>fields << 3), c);
}

/** Block c's qh from a group's placed fifth bits at `p` ({@link placedQh} inverted). */
@inline
function blockQh(p: usize, c: i32): u32 {
  let qh: u32 = 0;
  for (let k = 0; k < 4; k++) {
    const word = load<u32>(p + (<usize>k << 2));
    qh |= ((word >> (4 * c)) & 0xf) << (4 * k);
    qh |= ((word >> (16 + 4 * c)) & 0xf) << (16 + 4 * k);
  }
  return qh;
}

/**
 * Placed vector k's fifth bits from the four blocks' qh (lane c block c's): bit 4c + u of the low u16 is bit
 * 4k + u of block c's, of the high u16 bit 16 + 4k + u, so that the word is vector k's qh as a block's is its own.
 */
@inline
function placedQh(q0: u32, q1: u32, q2: u32, q3: u32, k: i32): u32 {
  const lo = ((q0 >> (4 * k)) & 0xf) | (((q1 >> (4 * k)) & 0xf) << 4) | (((q2 >> (4 * k)) & 0xf) << 8) | (((q3 >> (4 * k)) & 0xf) << 12);
  const s = 16 + 4 * k;
  const hi = ((q0 >> s) & 0xf) | (((q1 >> s) & 0xf) << 4) | (((q2 >> s) & 0xf) << 8) | (((q3 >> s) & 0xf) << 12);
  return lo | (hi << 16);
}

/**
 * The integer sums of the placed group at `wg` (`fields` half fields and `qh` u32s of fifth bits a block)
 * with its placed activation levels at `ab`, lane c block c's ({@link groupDot4}, {@link groupDot5}).
 */
@inline
export function groupDot(wg: usize, fields: i32, qh: i32, ab: usize, nibbles: v128, ones: v128): v128 {
  const v = wg + groupVectorsAt(fields, qh);
  if (qh) return groupDot5(v, wg + (<usize>fields << 3), ab, nibbles, ones);
  return groupDot4(v, ab, nibbles, ones);
}

/** Half field f of the four blocks of the placed group at `wg` (0: their scales, 1: their mins), as f32x4. */
@inline
export function groupHalves(wg: usize, f: i32, halfBits: v128, halfScale: v128): v128 {
  return halves4(wg + (<usize>f << 3), 2, 4, halfBits, halfScale);
}

/**
 * The integer sums of the four placed vectors at `v` with the placed activation levels at `ab`, lane c block
 * c's: relaxed, the i16 pair sums of all eight level vectors added (one vector per placed vector first, so
 * that the adds do not wait on each other), widened once; VNNI, four dot-add chains of two.
 */
@inline
function groupDot4(v: usize, ab: usize, nibbles: v128, ones: v128): v128 {
  // each vector's loads meet their arithmetic before the next vector's loads (common.ts anchor)
  if (VNNI) {
    const zero = i32x4.splat(0);
    const v0 = v128.load(v);
    const c0 = dotAdd(highNibbles(v0, nibbles), v128.load(ab, 16), dotAdd(lowNibbles(v0, nibbles), v128.load(ab), zero));
    anchor(c0);
    const v1 = v128.load(v, 16);
    const c1 = dotAdd(highNibbles(v1, nibbles), v128.load(ab, 48), dotAdd(lowNibbles(v1, nibbles), v128.load(ab, 32), zero));
    anchor(c1);
    const v2 = v128.load(v, 32);
    const c2 = dotAdd(highNibbles(v2, nibbles), v128.load(ab, 80), dotAdd(lowNibbles(v2, nibbles), v128.load(ab, 64), zero));
    anchor(c2);
    const v3 = v128.load(v, 48);
    const c3 = dotAdd(highNibbles(v3, nibbles), v128.load(ab, 112), dotAdd(lowNibbles(v3, nibbles), v128.load(ab, 96), zero));
    return i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3));
  }
  const v0 = v128.load(v);
  const s0 = i16x8.add(pairSumsOf(lowNibbles(v0, nibbles), v128.load(ab)), pairSumsOf(highNibbles(v0, nibbles), v128.load(ab, 16)));
  anchor(s0);
  const v1 = v128.load(v, 16);
  const s1 = i16x8.add(pairSumsOf(lowNibbles(v1, nibbles), v128.load(ab, 32)), pairSumsOf(highNibbles(v1, nibbles), v128.load(ab, 48)));
  anchor(s1);
  const v2 = v128.load(v, 32);
  const s2 = i16x8.add(pairSumsOf(lowNibbles(v2, nibbles), v128.load(ab, 64)), pairSumsOf(highNibbles(v2, nibbles), v128.load(ab, 80)));
  anchor(s2);
  const v3 = v128.load(v, 48);
  const s3 = i16x8.add(pairSumsOf(lowNibbles(v3, nibbles), v128.load(ab, 96)), pairSumsOf(highNibbles(v3, nibbles), v128.load(ab, 112)));
  return i32x4.dot_i16x8_s(i16x8.add(i16x8.add(s0, s1), i16x8.add(s2, s3)), ones);
}

/**
 * As {@link groupDot4} for 5-bit levels (Q5_0, Q5_1): vector k's nibbles with its fifth bits (the u32 at
 * `qh + 4k`), each vector's sums widened on their own (two vectors' i16 pair sums would reach 4 * 31 * 127).
 */
@inline
function groupDot5(v: usize, qh: usize, ab: usize, nibbles: v128, ones: v128): v128 {
  const s0 = sumLevels5(v128.load(v), load<u32>(qh), ab, nibbles, ones);
  anchor(s0);
  const s1 = sumLevels5(v128.load(v, 16), load<u32>(qh, 4), ab + 32, nibbles, ones);
  anchor(s1);
  const s2 = sumLevels5(v128.load(v, 32), load<u32>(qh, 8), ab + 64, nibbles, ones);
  anchor(s2);
  const s3 = sumLevels5(v128.load(v, 48), load<u32>(qh, 12), ab + 96, nibbles, ones);
  return i32x4.add(i32x4.add(s0, s1), i32x4.add(s2, s3));
}

/**
 * The levels of the placed group at `wg` (`fields` half fields and `qh` u32s of fifth bits a block), whose
 * first block is block b, into a relaxed unpacked row at `u` (unpacked8.ts: piece c of block k at 16c + 4k):
 * the low nibbles of placed vector k are piece k of each block, the high nibbles piece 4 + k, each with its
 * fifth bits where the format has them (the u32 at {@link placedQh} byte 4k).
 */
@inline
export function storeGroupLevels8(wg: usize, fields: i32, qh: i32, u: usize, b: i32): void {
  const v = wg + groupVectorsAt(fields, qh);
  const o = block32rAt(u, b);
  for (let k = 0; k < 4; k++) {
    const p = v128.load(v + (<usize>k << 4));
    let lo = lowNibbles(p);
    let hi = highNibbles(p);
    if (qh) {
      const bits = load<u32>(wg + (<usize>fields << 3) + (<usize>k << 2));
      lo = levels5(lo, bits & 0xffff);
      hi = levels5(hi, bits >> 16);
    }
    v128.store(o + (<usize>k << 4), lo);
    v128.store(o + 64 + (<usize>k << 4), hi);
  }
}

/**
 * A row of `cols` values at `w` of a format placed in groups (F: Q4_0, Q4_1, Q5_0, Q5_1; its `groupFields`,
 * `groupQh`, `blockBytes`) as the relaxed batched product reads it (unpacked8.ts): unsigned levels, then each
 * block's d and the min `F.row8Min(w, b, placed, d)` gives (its own min, or its level offset folded in).
 * Placed groups go whole ({@link storeGroupLevels8}); the blocks after them, and the padding, one at a time.
 */
@inline
export function unpackGroupRow8<F>(f: F, w: usize, cols: i32, u: usize): void {
  const nb = cols >> 5;
  const np = paddedBlocks(cols);
  const fields = f.groupFields;
  const qh = f.groupQh;
  const placed = placedGroupBlocks(nb);
  let b = 0;
  for (; b < placed; b += 4) {
    storeGroupLevels8(w + <usize>b * <usize>f.blockBytes, fields, qh, u, b);
    for (let c = 0; c < 4; c++) {
      const d = scaleAt(groupedHalfAt(w, b + c, placed, fields, qh, 0));
      storeRow8Scale(u, np, b + c, d, f.row8Min(w, b + c, placed, d));
    }
  }
  for (; b < np; b++) {
    if (b >= nb) {
      storeRow8Block(u, np, b, i8x16.splat(0), i8x16.splat(0), 0, 0);
      continue;
    }
    const v = groupedQs(w, b, placed, fields, qh);
    let lo = lowNibbles(v);
    let hi = highNibbles(v);
    if (qh) {
      const bits = groupedQh(w, b, placed, fields);
      lo = levels5(lo, bits & 0xffff);
      hi = levels5(hi, bits >> 16);
    }
    const d = scaleAt(groupedHalfAt(w, b, placed, fields, qh, 0));
    storeRow8Block(u, np, b, lo, hi, d, f.row8Min(w, b, placed, d));
  }
}

/**
 * Rearranges the whole groups of four blocks of `rows` rows of `cols` values at `w` (`fields` half fields and
 * `qh` u32s of fifth bits a block) into the placed order (see the header), or back when `inverse`. A group is
 * read whole before it is written, so in place.
 */
export function placeGroups4(w: usize, rows: i32, cols: i32, fields: i32, qh: i32, inverse: bool): void {
  const nb = cols >> 5;
  const bb = blockBytesOf(fields, qh);
  const rowBytes = <usize>nb * bb;
  const head = (<usize>fields << 1) + (<usize>qh << 2); // the fields and qh of a block
  const h = <usize>fields << 1; // where a block's qh is
  for (let r = 0; r < rows; r++) {
    const row = w + <usize>r * rowBytes;
    for (let b = 0; b + 4 <= nb; b += 4) {
      const g = row + <usize>b * bb;
      const v = g + groupVectorsAt(fields, qh); // the placed vectors
      const pq = g + (<usize>fields << 3); // the placed fifth bits
      if (!inverse) {
        // every field, qh and qs of the four blocks read before anything is written
        const f0 = gatherHalves(g, bb);
        const f1 = fields > 1 ? gatherHalves(g + 2, bb) : f0;
        const h0 = qh ? load<u32>(g + h) : 0;
        const h1 = qh ? load<u32>(g + bb + h) : 0;
        const h2 = qh ? load<u32>(g + 2 * bb + h) : 0;
        const h3 = qh ? load<u32>(g + 3 * bb + h) : 0;
        const q0 = v128.load(g + head);
        const q1 = v128.load(g + bb + head);
        const q2 = v128.load(g + 2 * bb + head);
        const q3 = v128.load(g + 3 * bb + head);
        store<u64>(g, f0);
        if (fields > 1) store<u64>(g + 8, f1);
        if (qh) {
          store<u32>(pq, placedQh(h0, h1, h2, h3, 0));
          store<u32>(pq, placedQh(h0, h1, h2, h3, 1), 4);
          store<u32>(pq, placedQh(h0, h1, h2, h3, 2), 8);
          store<u32>(pq, placedQh(h0, h1, h2, h3, 3), 12);
        }
        v128.store(v, transposedWords(q0, q1, q2, q3, 0));
        v128.store(v, transposedWords(q0, q1, q2, q3, 1), 16);
        v128.store(v, transposedWords(q0, q1, q2, q3, 2), 32);
        v128.store(v, transposedWords(q0, q1, q2, q3, 3), 48);
      } else {
        const f0 = load<u64>(g);
        const f1 = fields > 1 ? load<u64>(g + 8) : f0;
        const h0 = qh ? blockQh(pq, 0) : 0;
        const h1 = qh ? blockQh(pq, 1) : 0;
        const h2 = qh ? blockQh(pq, 2) : 0;
        const h3 = qh ? blockQh(pq, 3) : 0;
        const p0 = v128.load(v);
        const p1 = v128.load(v, 16);
        const p2 = v128.load(v, 32);
        const p3 = v128.load(v, 48);
        // the word transpose is its own inverse
        v128.store(g + head, transposedWords(p0, p1, p2, p3, 0));
        v128.store(g + bb + head, transposedWords(p0, p1, p2, p3, 1));
        v128.store(g + 2 * bb + head, transposedWords(p0, p1, p2, p3, 2));
        v128.store(g + 3 * bb + head, transposedWords(p0, p1, p2, p3, 3));
        if (qh) {
          store<u32>(g + h, h0);
          store<u32>(g + bb + h, h1);
          store<u32>(g + 2 * bb + h, h2);
          store<u32>(g + 3 * bb + h, h3);
        }
        scatterHalves(g, bb, f0);
        if (fields > 1) scatterHalves(g + 2, bb, f1);
      }
    }
  }
}

/** The halves at `p`, `p + stride`, `p + 2 stride`, `p + 3 stride` as one u64, the first lowest. */
@inline
function gatherHalves(p: usize, stride: usize): u64 {
  return <u64>load<u16>(p) | (<u64>load<u16>(p + stride) << 16) | (<u64>load<u16>(p + 2 * stride) << 32) | (<u64>load<u16>(p + 3 * stride) << 48);
}

/** The inverse of {@link gatherHalves}. */
@inline
function scatterHalves(p: usize, stride: usize, s: u64): void {
  store<u16>(p, <u16>s);
  store<u16>(p + stride, <u16>(s >> 16));
  store<u16>(p + 2 * stride, <u16>(s >> 32));
  store<u16>(p + 3 * stride, <u16>(s >> 48));
}

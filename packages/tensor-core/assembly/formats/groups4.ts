// Placed groups of 4-bit 32-value blocks (relaxed builds): Q4_0 (a half scale, then 16 qs bytes) and Q4_1 (a
// half scale, a half min, then qs), F = 1 or 2 half fields a block. Each row's blocks are rearranged at upload
// (src/wasm/placement.ts) in groups of four: field f of block c at byte 8f + 2c of the group, then four placed
// vectors, word c of vector k holding block c's qs bytes 4k .. 4k + 3. The low nibbles of vector k are then
// values 4k .. 4k + 3 of each block, the high ones 16 + 4k .. 16 + 4k + 3, every word one block: the decode
// product ({@link groupDot4}, block32.ts fusedDot32) adds a whole group's pair sums in i16 (at most 8 * 2 *
// 15 * 127 = 30480 a lane) and widens once, each i32 lane one block's sum, where ggml's order widens per block
// and gathers the four sums with shuffles and the scales with four scalar loads (decode +15-17% per core on
// Node 20). The blocks after a row's last whole group stay in ggml's order. Activations come placed to match
// (activations.ts quantize_q8_32 option 3); the relaxed batched layout (unpacked8.ts) is the placed group
// itself, nibbles apart. The SIMD-128 build keeps ggml's order throughout.

import { dotAdd, pairSumsOf } from '../simd-dot';
import { transposedWords } from '../transpose';
import { block32rAt, highNibbles, lowNibbles } from './block32';

/** Whether this build places rows in groups (see the header). */
export const GROUPS_PLACED: bool = RELAXED != 0;

/** Blocks of a row of `nb` blocks that sit in placed groups: its whole groups of four (relaxed builds). */
@inline
export function placedGroupBlocks(nb: i32): i32 {
  return GROUPS_PLACED ? nb & ~3 : 0;
}

/** Bytes of a block with `fields` half fields before its 16 qs bytes. */
@inline
function blockBytesOf(fields: i32): usize {
  return <usize>(2 * fields + 16);
}

/** Address of half field f of block b of a row at `w` (`fields` a block) whose first `placed` blocks are placed. */
@inline
export function groupedHalfAt(w: usize, b: i32, placed: i32, fields: i32, f: i32): usize {
  const bb = blockBytesOf(fields);
  if (b >= placed) return w + <usize>b * bb + (<usize>f << 1);
  const c = b & 3;
  return w + <usize>(b - c) * bb + (<usize>f << 3) + (<usize>c << 1);
}

/** The 16 qs bytes of block b of a row at `w` (`fields` a block) whose first `placed` blocks are placed, in ggml's order. */
@inline
export function groupedQs(w: usize, b: i32, placed: i32, fields: i32): v128 {
  const bb = blockBytesOf(fields);
  if (b >= placed) return v128.load(w + <usize>b * bb + (<usize>fields << 1));
  const c = b & 3;
  // word k of the block: word c of placed vector k
  const p = w + <usize>(b - c) * bb + (<usize>fields << 3) + (<usize>c << 2);
  return i32x4(load<i32>(p), load<i32>(p, 16), load<i32>(p, 32), load<i32>(p, 48));
}

/**
 * The integer sums of the four placed vectors at `v` with the placed activation levels at `ab`, lane c block
 * c's: relaxed, the i16 pair sums of all eight level vectors added (one vector per placed vector first, so
 * that the adds do not wait on each other), widened once; VNNI, four dot-add chains of two.
 */
@inline
export function groupDot4(v: usize, ab: usize, nibbles: v128, ones: v128): v128 {
  const v0 = v128.load(v);
  const v1 = v128.load(v, 16);
  const v2 = v128.load(v, 32);
  const v3 = v128.load(v, 48);
  if (VNNI) {
    const zero = i32x4.splat(0);
    const c0 = dotAdd(highNibbles(v0, nibbles), v128.load(ab, 16), dotAdd(lowNibbles(v0, nibbles), v128.load(ab), zero));
    const c1 = dotAdd(highNibbles(v1, nibbles), v128.load(ab, 48), dotAdd(lowNibbles(v1, nibbles), v128.load(ab, 32), zero));
    const c2 = dotAdd(highNibbles(v2, nibbles), v128.load(ab, 80), dotAdd(lowNibbles(v2, nibbles), v128.load(ab, 64), zero));
    const c3 = dotAdd(highNibbles(v3, nibbles), v128.load(ab, 112), dotAdd(lowNibbles(v3, nibbles), v128.load(ab, 96), zero));
    return i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3));
  }
  const s0 = i16x8.add(pairSumsOf(lowNibbles(v0, nibbles), v128.load(ab)), pairSumsOf(highNibbles(v0, nibbles), v128.load(ab, 16)));
  const s1 = i16x8.add(pairSumsOf(lowNibbles(v1, nibbles), v128.load(ab, 32)), pairSumsOf(highNibbles(v1, nibbles), v128.load(ab, 48)));
  const s2 = i16x8.add(pairSumsOf(lowNibbles(v2, nibbles), v128.load(ab, 64)), pairSumsOf(highNibbles(v2, nibbles), v128.load(ab, 80)));
  const s3 = i16x8.add(pairSumsOf(lowNibbles(v3, nibbles), v128.load(ab, 96)), pairSumsOf(highNibbles(v3, nibbles), v128.load(ab, 112)));
  return i32x4.dot_i16x8_s(i16x8.add(i16x8.add(s0, s1), i16x8.add(s2, s3)), ones);
}

/**
 * The levels of the placed group of block b (a multiple of 4) of a relaxed unpacked row at `u` (unpacked8.ts:
 * piece c of block k at 16c + 4k), from its four placed vectors at `v`: the low nibbles of vector k are piece
 * k of each block, the high nibbles piece 4 + k.
 */
@inline
export function storeGroupLevels8(v: usize, u: usize, b: i32): void {
  const o = block32rAt(u, b);
  for (let k = 0; k < 4; k++) {
    const p = v128.load(v + (<usize>k << 4));
    v128.store(o + (<usize>k << 4), lowNibbles(p));
    v128.store(o + 64 + (<usize>k << 4), highNibbles(p));
  }
}

/**
 * Rearranges the whole groups of four blocks of `rows` rows of `cols` values at `w` (`fields` half fields a
 * block) into the placed order (see the header), or back when `inverse`. A group is read whole before it is
 * written, so in place.
 */
export function placeGroups4(w: usize, rows: i32, cols: i32, fields: i32, inverse: bool): void {
  const nb = cols >> 5;
  const bb = blockBytesOf(fields);
  const rowBytes = <usize>nb * bb;
  const head = <usize>fields << 1; // the fields of a block
  for (let r = 0; r < rows; r++) {
    const row = w + <usize>r * rowBytes;
    for (let b = 0; b + 4 <= nb; b += 4) {
      const g = row + <usize>b * bb;
      const v = g + (<usize>fields << 3); // the placed vectors
      if (!inverse) {
        // field f of the four blocks as one u64, and the blocks' qs, all read before anything is written
        const f0 = gatherHalves(g, bb);
        const f1 = fields > 1 ? gatherHalves(g + 2, bb) : f0;
        const q0 = v128.load(g + head);
        const q1 = v128.load(g + bb + head);
        const q2 = v128.load(g + 2 * bb + head);
        const q3 = v128.load(g + 3 * bb + head);
        store<u64>(g, f0);
        if (fields > 1) store<u64>(g + 8, f1);
        v128.store(v, transposedWords(q0, q1, q2, q3, 0));
        v128.store(v, transposedWords(q0, q1, q2, q3, 1), 16);
        v128.store(v, transposedWords(q0, q1, q2, q3, 2), 32);
        v128.store(v, transposedWords(q0, q1, q2, q3, 3), 48);
      } else {
        const f0 = load<u64>(g);
        const f1 = fields > 1 ? load<u64>(g + 8) : f0;
        const p0 = v128.load(v);
        const p1 = v128.load(v, 16);
        const p2 = v128.load(v, 32);
        const p3 = v128.load(v, 48);
        // the word transpose is its own inverse
        v128.store(g + head, transposedWords(p0, p1, p2, p3, 0));
        v128.store(g + bb + head, transposedWords(p0, p1, p2, p3, 1));
        v128.store(g + 2 * bb + head, transposedWords(p0, p1, p2, p3, 2));
        v128.store(g + 3 * bb + head, transposedWords(p0, p1, p2, p3, 3));
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

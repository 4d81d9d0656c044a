/**
 * Weight placement: types whose kernels read their blocks in an order other than ggml's are rearranged
 * as they are uploaded (Q2_K .. Q6_K: assembly/formats/q2_k.ts .. q6_k.ts, "Placement"). This module
 * keeps the bookkeeping that makes any sequence of uploads correct, and the plain TypeScript form of the
 * rearrangement (the reference the kernel is tested against, and the inverse that gives ggml's bytes back
 * for readTensor).
 */

/** Bytes of a Q4_K super-block and where its 128 qs bytes start. */
const Q4K_BLOCK_BYTES = 144;
const Q4K_QS_OFFSET = 16;

/**
 * The 128 qs bytes at `qs` rearranged from ggml's order into the placed one (or back when `inverse`), in
 * place through `tmp` (128 bytes): placed byte 16k + 4c + u = ggml byte 32c + 4k + u (k 0..7, c and u 0..3).
 * The qs of Q4_K and Q5_K.
 */
function placeQsBytes(bytes: Uint8Array, qs: number, tmp: Uint8Array, inverse: boolean): void {
  tmp.set(bytes.subarray(qs, qs + 128));
  for (let k = 0; k < 8; k++) {
    for (let c = 0; c < 4; c++) {
      for (let u = 0; u < 4; u++) {
        const placed = 16 * k + 4 * c + u;
        const ggml = 32 * c + 4 * k + u;
        if (inverse) bytes[qs + ggml] = tmp[placed];
        else bytes[qs + placed] = tmp[ggml];
      }
    }
  }
}

/** Q4_K super-blocks `bytes` rearranged into the placed order (or back when `inverse`), in place: their qs. */
export function placeQ4KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  const tmp = new Uint8Array(128);
  for (let b = 0; b + Q4K_BLOCK_BYTES <= bytes.byteLength; b += Q4K_BLOCK_BYTES) {
    placeQsBytes(bytes, b + Q4K_QS_OFFSET, tmp, inverse);
  }
  return bytes;
}

/** Bytes of a Q5_K super-block and where its qh and qs start. */
const Q5K_BLOCK_BYTES = 176;
const Q5K_QH_OFFSET = 16;
const Q5K_QS_OFFSET = 48;

/**
 * Q5_K super-blocks rearranged into the placed order (or back when `inverse`), in place: qs as Q4_K's, and
 * the 2-bit field m of placed qh byte 16j + 4c + u = field c of ggml's qh byte 16j + 4m + u (its own inverse).
 */
export function placeQ5KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  const qs = new Uint8Array(128);
  const qh = new Uint8Array(32);
  for (let b = 0; b + Q5K_BLOCK_BYTES <= bytes.byteLength; b += Q5K_BLOCK_BYTES) {
    placeQsBytes(bytes, b + Q5K_QS_OFFSET, qs, inverse);
    const h = b + Q5K_QH_OFFSET;
    qh.set(bytes.subarray(h, h + 32));
    for (let j = 0; j < 2; j++) {
      for (let c = 0; c < 4; c++) {
        for (let u = 0; u < 4; u++) {
          let byte = 0;
          for (let m = 0; m < 4; m++) byte |= ((qh[16 * j + 4 * m + u] >> (2 * c)) & 3) << (2 * m);
          bytes[h + 16 * j + 4 * c + u] = byte;
        }
      }
    }
  }
  return bytes;
}

/** Bytes of a Q6_K super-block and where its qh start (ql at 0). */
const Q6K_BLOCK_BYTES = 210;
const Q6K_QH_OFFSET = 128;

/** Bytes X, Y, Z of column p (0..15) of row r (0..1) of half h of a Q6_K super-block: ql, ql + 32, qh. */
function q6kColumn(h: number, r: number, p: number): [number, number, number] {
  const l = 16 * r + p;
  return [64 * h + l, 64 * h + 32 + l, Q6K_QH_OFFSET + 32 * h + l];
}

/**
 * The value whose level placed Q6_K keeps as byte p of level vector t = 4r + k of half h: as word
 * c = p >> 2, values 4q .. 4q + 3 of group 4(t & 1) + c, q = t >> 1 (assembly/formats/q6_k.ts, "Placement").
 * In ggml's order that vector holds value 128h + 32k + 16r + p.
 */
function q6kPlacedValue(h: number, t: number, p: number): number {
  return 128 * h + 16 * (4 * (t & 1) + (p >> 2)) + 4 * (t >> 1) + (p & 3);
}

/** The 256 levels of the ggml-encoded super-block at `b`, by value. */
function ggmlQ6KLevels(bytes: Uint8Array, b: number, levels: Uint8Array): void {
  for (let h = 0; h < 2; h++)
    for (let r = 0; r < 2; r++)
      for (let p = 0; p < 16; p++) {
        const [x, y, z] = q6kColumn(h, r, p).map((o) => bytes[b + o]);
        // k = 0..3: low nibble of x, of y, high nibble of x, of y; bits 2k, 2k + 1 of z
        const nibbles = [x & 15, y & 15, x >> 4, y >> 4];
        for (let k = 0; k < 4; k++) levels[128 * h + 32 * k + 16 * r + p] = nibbles[k] | (((z >> (2 * k)) & 3) << 4);
      }
}

/** Writes levels (by value) into the super-block at `b` in ggml's encoding. */
function storeGgmlQ6KLevels(bytes: Uint8Array, b: number, levels: Uint8Array): void {
  for (let h = 0; h < 2; h++)
    for (let r = 0; r < 2; r++)
      for (let p = 0; p < 16; p++) {
        const l = [0, 1, 2, 3].map((k) => levels[128 * h + 32 * k + 16 * r + p]);
        const [x, y, z] = q6kColumn(h, r, p);
        bytes[b + x] = (l[0] & 15) | ((l[2] & 15) << 4);
        bytes[b + y] = (l[1] & 15) | ((l[3] & 15) << 4);
        bytes[b + z] = (l[0] >> 4) | ((l[1] >> 4) << 2) | ((l[2] >> 4) << 4) | ((l[3] >> 4) << 6);
      }
}

/**
 * Q6_K super-blocks rearranged into the placed order and encoding (or back when `inverse`), in place: level
 * vector t's byte p holds the level of value {@link q6kPlacedValue}; column bytes X, Y, Z hold levels
 * k = 0, 1, 2 in their low six bits and level 3's bits 4-5, 2-3, 0-1 in their bits 6-7. Scales and d stay.
 */
export function placeQ6KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  const levels = new Uint8Array(256);
  for (let b = 0; b + Q6K_BLOCK_BYTES <= bytes.byteLength; b += Q6K_BLOCK_BYTES) {
    if (!inverse) ggmlQ6KLevels(bytes, b, levels);
    for (let h = 0; h < 2; h++)
      for (let r = 0; r < 2; r++)
        for (let p = 0; p < 16; p++) {
          const [x, y, z] = q6kColumn(h, r, p);
          const value = (k: number) => q6kPlacedValue(h, 4 * r + k, p);
          if (inverse) {
            const [bx, by, bz] = [bytes[b + x], bytes[b + y], bytes[b + z]];
            levels[value(0)] = bx & 63;
            levels[value(1)] = by & 63;
            levels[value(2)] = bz & 63;
            levels[value(3)] = ((bx >> 6) << 4) | ((by >> 6) << 2) | (bz >> 6);
          } else {
            const l3 = levels[value(3)];
            bytes[b + x] = levels[value(0)] | ((l3 >> 4) << 6);
            bytes[b + y] = levels[value(1)] | (((l3 >> 2) & 3) << 6);
            bytes[b + z] = levels[value(2)] | ((l3 & 3) << 6);
          }
        }
    if (inverse) storeGgmlQ6KLevels(bytes, b, levels);
  }
  return bytes;
}

/** Bytes of a Q3_K super-block and where its qs start (hmask at 0). */
const Q3K_BLOCK_BYTES = 110;
const Q3K_QS_OFFSET = 32;

/**
 * Q3_K super-blocks rearranged into the placed order (or back when `inverse`), in place: the level of
 * level vector t = 4r + k of half h, byte p (ggml's slot of value 128h + 32k + 16r + p: qs byte 32h + 16r + p
 * bits 2k, 2k + 1 and hmask byte 16r + p bit 4h + k) becomes that of value {@link q6kPlacedValue}, the order
 * Q6_K is placed in (assembly/formats/q3_k.ts, "Placement"). Scales and d are untouched.
 */
export function placeQ3KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  const levels = new Uint8Array(256);
  const slot = (h: number, k: number, l: number) => ({ qs: Q3K_QS_OFFSET + 32 * h + l, hm: l, k, bit: 4 * h + k });
  for (let b = 0; b + Q3K_BLOCK_BYTES <= bytes.byteLength; b += Q3K_BLOCK_BYTES) {
    // levels by slot (value 128h + 32k + l in ggml's order)
    for (let i = 0; i < 256; i++) {
      const s = slot(i >> 7, (i >> 5) & 3, i & 31);
      levels[i] = ((bytes[b + s.qs] >> (2 * s.k)) & 3) | (((bytes[b + s.hm] >> s.bit) & 1) << 2);
    }
    bytes.fill(0, b, b + Q3K_QS_OFFSET + 64);
    for (let h = 0; h < 2; h++)
      for (let k = 0; k < 4; k++)
        for (let r = 0; r < 2; r++)
          for (let p = 0; p < 16; p++) {
            const here = 128 * h + 32 * k + 16 * r + p;
            const there = q6kPlacedValue(h, 4 * r + k, p);
            // placing: this slot takes the level of value `there`; undoing: value `there` gets it back
            const to = inverse ? there : here;
            const level = inverse ? levels[here] : levels[there];
            const s = slot(to >> 7, (to >> 5) & 3, to & 31);
            bytes[b + s.qs] |= (level & 3) << (2 * s.k);
            bytes[b + s.hm] |= (level >> 2) << s.bit;
          }
  }
  return bytes;
}

/** Bytes of a Q2_K super-block and where its qs start (the scales at 0). */
const Q2K_BLOCK_BYTES = 84;
const Q2K_QS_OFFSET = 16;

/**
 * Q2_K super-blocks rearranged into the placed order (or back when `inverse`), in place: crumb k of qs
 * byte 32h + 16r + p (ggml's slot of value 128h + 32k + 16r + p) takes the level of value
 * {@link q6kPlacedValue}(h, 4r + k, p), the order Q6_K and Q3_K are placed in (assembly/formats/q2_k.ts,
 * "Placement"). Scales, d and dmin are untouched.
 */
export function placeQ2KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  const levels = new Uint8Array(256);
  const qsByte = (i: number) => Q2K_QS_OFFSET + 32 * (i >> 7) + (i & 31);
  const shift = (i: number) => 2 * ((i >> 5) & 3);
  for (let b = 0; b + Q2K_BLOCK_BYTES <= bytes.byteLength; b += Q2K_BLOCK_BYTES) {
    for (let i = 0; i < 256; i++) levels[i] = (bytes[b + qsByte(i)] >> shift(i)) & 3;
    bytes.fill(0, b + Q2K_QS_OFFSET, b + Q2K_QS_OFFSET + 64);
    for (let h = 0; h < 2; h++)
      for (let k = 0; k < 4; k++)
        for (let r = 0; r < 2; r++)
          for (let p = 0; p < 16; p++) {
            const here = 128 * h + 32 * k + 16 * r + p;
            const there = q6kPlacedValue(h, 4 * r + k, p);
            // placing: this slot takes the level of value `there`; undoing: value `there` gets it back
            const to = inverse ? there : here;
            bytes[b + qsByte(to)] |= (inverse ? levels[here] : levels[there]) << shift(to);
          }
  }
  return bytes;
}

/** Which blocks of a placed weight hold placed bytes, as uploads arrive (see {@link planUpload}). */
export interface PlacementState {
  /** Byte ranges written so far beyond the prefix (sorted, disjoint, not touching it). */
  later: Array<[number, number]>;
  /** Bytes written contiguously from the start of the weight so far: its whole blocks are placed ({@link placedBlocks}). */
  prefix: number;
}

/** Blocks [0, n) of a weight are in the placed order; the others hold raw ggml bytes (or nothing yet). */
export function placedBlocks(state: PlacementState, blockBytes: number): number {
  return Math.floor(state.prefix / blockBytes);
}

/** Block ranges [start, end) to rearrange around one upload: back to ggml's order before, placed after. */
export interface UploadPlan {
  readonly unplaceBefore: Array<readonly [number, number]>;
  readonly placeAfter: Array<readonly [number, number]>;
}

/**
 * What an upload of `length` bytes at `offset` into a weight of `blockBytes`-byte blocks must rearrange,
 * and the state after it. A block is placed once every byte of it has been written: uploads in order
 * (the model loader's chunks, which split blocks) place each block when its last byte arrives; a block
 * already placed that an upload only partly overwrites is put back in ggml's order first, so that the
 * new bytes land where ggml's layout has them. Uploads out of order wait, raw, until the bytes before
 * them have arrived too.
 */
export function planUpload(state: PlacementState, blockBytes: number, offset: number, length: number): UploadPlan {
  const end = offset + length;
  const unplaceBefore: Array<readonly [number, number]> = [];
  if (length === 0) return { unplaceBefore, placeAfter: [] };
  const first = Math.floor(offset / blockBytes);
  const last = Math.floor((end - 1) / blockBytes);
  const partialFirst = offset % blockBytes !== 0 || (first === last && end < (first + 1) * blockBytes);
  const partialLast = end % blockBytes !== 0 && end < (last + 1) * blockBytes;
  const oldPlaced = placedBlocks(state, blockBytes);
  if (partialFirst && first < oldPlaced) unplaceBefore.push([first, first + 1]);
  if (partialLast && last !== first && last < oldPlaced) unplaceBefore.push([last, last + 1]);
  addWritten(state, offset, end);
  const placed = placedBlocks(state, blockBytes);
  // blocks this upload wrote that are complete, and blocks completed by the prefix growing over them
  const ranges: Array<[number, number]> = [];
  const touchedEnd = Math.min(last + 1, placed);
  if (first < touchedEnd) ranges.push([first, touchedEnd]);
  if (oldPlaced < placed) ranges.push([oldPlaced, placed]);
  ranges.sort((a, b) => a[0] - b[0]);
  const placeAfter: Array<readonly [number, number]> = [];
  for (const [s, e] of ranges) {
    const prev = placeAfter[placeAfter.length - 1];
    if (prev && s <= prev[1]) placeAfter[placeAfter.length - 1] = [prev[0], Math.max(prev[1], e)];
    else placeAfter.push([s, e]);
  }
  return { unplaceBefore, placeAfter };
}

/**
 * Records bytes [start, end) as written: the prefix grows over every range it now reaches (in start order,
 * so a range kept for later starts beyond the prefix as it ends up).
 */
function addWritten(state: PlacementState, start: number, end: number): void {
  const ranges: Array<[number, number]> = [...state.later, [start, end] as [number, number]].sort(
    (a, b) => a[0] - b[0],
  );
  const later: Array<[number, number]> = [];
  for (const [s, e] of ranges) {
    if (s <= state.prefix) {
      state.prefix = Math.max(state.prefix, e);
      continue;
    }
    const prev = later[later.length - 1];
    if (prev && s <= prev[1]) prev[1] = Math.max(prev[1], e);
    else later.push([s, e]);
  }
  state.later = later;
}

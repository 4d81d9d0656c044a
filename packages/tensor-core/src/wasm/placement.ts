/**
 * Weight placement: types whose kernels read their blocks in an order other than ggml's are rearranged
 * as they are uploaded (Q2_K .. Q6_K: assembly/formats/q2_k.ts .. q6_k.ts, "Placement"; Q4_0, Q4_1, Q5_0 and
 * Q5_1 in the relaxed builds, a row at a time: assembly/formats/groups4.ts). This module
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

/*
 * Q2_K, Q3_K and Q6_K share one placed order (assembly/formats/placed16.ts). Their 256 levels sit in slots
 * i = 128h + 32k + 16r + p: byte p of level vector t = 4r + k of half h. In ggml's order slot i holds the
 * level of value i; placed, that of value placedValue(i). Each type says how its bytes encode the level of a
 * slot (a codec: ggml's encoding, and the placed one where it differs); placing decodes the slots, moves the
 * levels, and encodes them again.
 */

/** The levels of a super-block's 256 slots, read from or written into its bytes at `b` in one encoding. */
interface SlotCodec {
  decode(bytes: Uint8Array, b: number, levels: Uint8Array): void;
  /** Writes every level bit (the bytes that hold levels are cleared first). */
  encode(bytes: Uint8Array, b: number, levels: Uint8Array): void;
}

/**
 * The value whose level the placed order keeps in slot i: as word c = p >> 2 of level vector t, values
 * 4q .. 4q + 3 of group 4(t & 1) + c of the half, q = t >> 1.
 */
function placedValue(i: number): number {
  const h = i >> 7;
  const t = 4 * ((i >> 4) & 1) + ((i >> 5) & 3);
  const p = i & 15;
  return 128 * h + 16 * (4 * (t & 1) + (p >> 2)) + 4 * (t >> 1) + (p & 3);
}

const PLACED_VALUES = Uint8Array.from({ length: 256 }, (_, i) => placedValue(i));

/** Super-blocks of `blockBytes` rearranged into the placed order (or back when `inverse`), in place. */
function placeSlots(
  bytes: Uint8Array,
  blockBytes: number,
  ggml: SlotCodec,
  placed: SlotCodec,
  inverse: boolean,
): Uint8Array {
  const levels = new Uint8Array(256);
  const moved = new Uint8Array(256);
  const [from, to] = inverse ? [placed, ggml] : [ggml, placed];
  for (let b = 0; b + blockBytes <= bytes.byteLength; b += blockBytes) {
    from.decode(bytes, b, levels);
    for (let i = 0; i < 256; i++) {
      // placing: slot i takes the level of value placedValue(i); undoing: that value's slot gets it back
      if (inverse) moved[PLACED_VALUES[i]] = levels[i];
      else moved[i] = levels[PLACED_VALUES[i]];
    }
    to.encode(bytes, b, moved);
  }
  return bytes;
}

/** Q6_K in ggml's encoding: slot i's nibble in ql byte 64h + 32(k & 1) + 16r + p (high for k >= 2), its bits 4-5 in field k of qh byte 128 + 32h + 16r + p. */
const Q6K_GGML: SlotCodec = {
  decode(bytes, b, levels) {
    for (let i = 0; i < 256; i++) {
      const { ql, nibble, qh, field } = q6kGgmlSlot(i);
      levels[i] = ((bytes[b + ql] >> nibble) & 15) | (((bytes[b + qh] >> field) & 3) << 4);
    }
  },
  encode(bytes, b, levels) {
    bytes.fill(0, b, b + 192);
    for (let i = 0; i < 256; i++) {
      const { ql, nibble, qh, field } = q6kGgmlSlot(i);
      bytes[b + ql] |= (levels[i] & 15) << nibble;
      bytes[b + qh] |= (levels[i] >> 4) << field;
    }
  },
};

function q6kGgmlSlot(i: number): { ql: number; nibble: number; qh: number; field: number } {
  const h = i >> 7;
  const k = (i >> 5) & 3;
  const l = i & 31;
  return { ql: 64 * h + 32 * (k & 1) + l, nibble: 4 * (k >> 1), qh: 128 + 32 * h + l, field: 2 * k };
}

/**
 * Q6_K in the placed encoding (assembly/formats/q6_k.ts): column (h, r, p) has bytes X = ql[64h + 16r + p],
 * Y = X + 32, Z = qh[32h + 16r + p]; slots k = 0, 1, 2 are the low six bits of X, Y, Z, and slot 3 has its
 * bits 4-5, 2-3, 0-1 in bits 6-7 of X, Y, Z.
 */
const Q6K_PLACED: SlotCodec = {
  decode(bytes, b, levels) {
    for (let i = 0; i < 128; i++) {
      // i = 64h + 16r + p indexes the columns; slot 128h + 32k + 16r + p
      const x = bytes[b + q6kColumnX(i)];
      const y = bytes[b + q6kColumnX(i) + 32];
      const z = bytes[b + q6kColumnZ(i)];
      const slot = 128 * (i >> 6) + (i & 31);
      levels[slot] = x & 63;
      levels[slot + 32] = y & 63;
      levels[slot + 64] = z & 63;
      levels[slot + 96] = ((x >> 6) << 4) | ((y >> 6) << 2) | (z >> 6);
    }
  },
  encode(bytes, b, levels) {
    for (let i = 0; i < 128; i++) {
      const x = q6kColumnX(i);
      const y = x + 32;
      const z = q6kColumnZ(i);
      const slot = 128 * (i >> 6) + (i & 31);
      const l3 = levels[slot + 96];
      bytes[b + x] = levels[slot] | ((l3 >> 4) << 6);
      bytes[b + y] = levels[slot + 32] | (((l3 >> 2) & 3) << 6);
      bytes[b + z] = levels[slot + 64] | ((l3 & 3) << 6);
    }
  },
};

/** Byte X (ql; Y is X + 32) and byte Z (qh) of column i = 64h + 16r + p (i & 31 = 16r + p) of a Q6_K super-block. */
function q6kColumnX(i: number): number {
  return 64 * (i >> 6) + (i & 31);
}
function q6kColumnZ(i: number): number {
  return 128 + 32 * (i >> 6) + (i & 31);
}

/** Q6_K super-blocks rearranged into the placed order and encoding (or back when `inverse`), in place; scales and d stay. */
export function placeQ6KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  return placeSlots(bytes, 210, Q6K_GGML, Q6K_PLACED, inverse);
}

/** Q3_K (its encoding kept when placed): slot i's crumb k of qs byte 32 + 32h + 16r + p, its third bit bit 4h + k of hmask byte 16r + p. */
const Q3K_SLOTS: SlotCodec = {
  decode(bytes, b, levels) {
    for (let i = 0; i < 256; i++) {
      const { qs, k, bit } = q3kSlot(i);
      levels[i] = ((bytes[b + qs] >> (2 * k)) & 3) | (((bytes[b + (i & 31)] >> bit) & 1) << 2);
    }
  },
  encode(bytes, b, levels) {
    bytes.fill(0, b, b + 96);
    for (let i = 0; i < 256; i++) {
      const { qs, k, bit } = q3kSlot(i);
      bytes[b + qs] |= (levels[i] & 3) << (2 * k);
      bytes[b + (i & 31)] |= (levels[i] >> 2) << bit;
    }
  },
};

function q3kSlot(i: number): { qs: number; k: number; bit: number } {
  const h = i >> 7;
  const k = (i >> 5) & 3;
  return { qs: 32 + 32 * h + (i & 31), k, bit: 4 * h + k };
}

/** Q3_K super-blocks rearranged into the placed order (or back when `inverse`), in place; scales and d stay. */
export function placeQ3KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  return placeSlots(bytes, 110, Q3K_SLOTS, Q3K_SLOTS, inverse);
}

/** Q2_K (its encoding kept when placed): slot i is crumb k of qs byte 16 + 32h + 16r + p. */
const Q2K_SLOTS: SlotCodec = {
  decode(bytes, b, levels) {
    for (let i = 0; i < 256; i++) levels[i] = (bytes[b + 16 + 32 * (i >> 7) + (i & 31)] >> (2 * ((i >> 5) & 3))) & 3;
  },
  encode(bytes, b, levels) {
    bytes.fill(0, b + 16, b + 80);
    for (let i = 0; i < 256; i++) bytes[b + 16 + 32 * (i >> 7) + (i & 31)] |= levels[i] << (2 * ((i >> 5) & 3));
  },
};

/** Q2_K super-blocks rearranged into the placed order (or back when `inverse`), in place; scales, d and dmin stay. */
export function placeQ2KBlocks(bytes: Uint8Array, inverse = false): Uint8Array {
  return placeSlots(bytes, 84, Q2K_SLOTS, Q2K_SLOTS, inverse);
}

/**
 * Rows of `cols` values of a 32-value format whose blocks are `fields` half fields, `qh` u32s of fifth bits (0
 * or 1) and 16 qs bytes (Q4_0: 1, 0; Q4_1: 2, 0; Q5_0: 1, 1; Q5_1: 2, 1) rearranged into the placed order of the
 * relaxed builds (or back when `inverse`), in place (assembly/formats/groups4.ts): in each row, each whole group
 * of four blocks becomes field f of block c at 8f + 2c; then, with qh, eight u16 whose bit 4c + u is bit 4k + u
 * (byte 4k) or 16 + 4k + u (byte 4k + 2) of block c's qh; then 64 qs bytes with placed byte 16k + 4c + u = block
 * c's qs byte 4k + u. The blocks after the last whole group stay as they are.
 */
function placeGroupRows(bytes: Uint8Array, inverse: boolean, cols: number, fields: number, qh = 0): Uint8Array {
  const blockBytes = 2 * fields + 4 * qh + 16;
  const rowBytes = (cols >> 5) * blockBytes;
  if (rowBytes === 0) throw new RangeError('Placing rows needs their length (cols)');
  const groupBytes = 4 * blockBytes;
  const vectors = 8 * fields + 16 * qh;
  const tmp = new Uint8Array(groupBytes);
  const move = (g: number, placed: number, ggml: number) => {
    if (inverse) bytes[g + ggml] = tmp[placed];
    else bytes[g + placed] = tmp[ggml];
  };
  /** Bit `bit` of the bytes at `p` (little-endian) in `from`, set or cleared at `q` in `to`. */
  const moveBit = (from: Uint8Array, p: number, to: Uint8Array, q: number, bit: number, toBit: number) => {
    const set = (from[p + (bit >> 3)] >> (bit & 7)) & 1;
    const mask = 1 << (toBit & 7);
    to[q + (toBit >> 3)] = set ? to[q + (toBit >> 3)] | mask : to[q + (toBit >> 3)] & ~mask;
  };
  for (let row = 0; row + rowBytes <= bytes.byteLength; row += rowBytes) {
    for (let g = row; g + groupBytes <= row + rowBytes; g += groupBytes) {
      tmp.set(bytes.subarray(g, g + groupBytes));
      for (let c = 0; c < 4; c++) {
        const block = blockBytes * c;
        for (let f = 0; f < fields; f++) for (let i = 0; i < 2; i++) move(g, 8 * f + 2 * c + i, block + 2 * f + i);
        for (let k = 0; k < 4; k++) {
          for (let u = 0; u < 4; u++) move(g, vectors + 16 * k + 4 * c + u, block + 2 * fields + 4 * qh + 4 * k + u);
          if (!qh) continue;
          // placed: bit half + 4c + u of the u32 at 8 fields + 4k; ggml: bit half + 4k + u of block c's qh
          const placedQh = 8 * fields + 4 * k;
          const ggmlQh = block + 2 * fields;
          for (let u = 0; u < 4; u++)
            for (const half of [0, 16]) {
              if (inverse) moveBit(tmp, placedQh, bytes, g + ggmlQh, half + 4 * c + u, half + 4 * k + u);
              else moveBit(tmp, ggmlQh, bytes, g + placedQh, half + 4 * k + u, half + 4 * c + u);
            }
        }
      }
    }
  }
  return bytes;
}

/** Q4_0 rows of `cols` values into the placed order (or back), in place ({@link placeGroupRows}). */
export function placeQ4_0Rows(bytes: Uint8Array, inverse = false, cols = 0): Uint8Array {
  return placeGroupRows(bytes, inverse, cols, 1);
}

/** Q4_1 rows of `cols` values into the placed order (or back), in place ({@link placeGroupRows}). */
export function placeQ4_1Rows(bytes: Uint8Array, inverse = false, cols = 0): Uint8Array {
  return placeGroupRows(bytes, inverse, cols, 2);
}

/** Q5_0 rows of `cols` values into the placed order (or back), in place ({@link placeGroupRows}). */
export function placeQ5_0Rows(bytes: Uint8Array, inverse = false, cols = 0): Uint8Array {
  return placeGroupRows(bytes, inverse, cols, 1, 1);
}

/** Q5_1 rows of `cols` values into the placed order (or back), in place ({@link placeGroupRows}). */
export function placeQ5_1Rows(bytes: Uint8Array, inverse = false, cols = 0): Uint8Array {
  return placeGroupRows(bytes, inverse, cols, 2, 1);
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

import { GgmlType } from '@llamats/gguf-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { dequantize } from '../quant/registry.js';
import {
  type PlacementState,
  placedBlocks,
  placeQ2KBlocks,
  placeQ3KBlocks,
  placeQ4_0Rows,
  placeQ4_1Rows,
  placeQ4KBlocks,
  placeQ5_0Rows,
  placeQ5_1Rows,
  placeQ5KBlocks,
  placeQ6KBlocks,
  planUpload,
} from './placement.js';
import { randomRawBlocks, randomValues, randomWeightBytes } from './random-tensors.js';
import { createWasmBackend } from './wasm-backend.js';

const fresh = (): PlacementState => ({ later: [], prefix: 0 });

describe('Q4_K placement (TypeScript form)', () => {
  it('moves ggml byte 32c + 4k + u of each super-block qs to 16k + 4c + u, and back', () => {
    const bytes = randomRawBlocks(GgmlType.Q4_K, 2, 256, 5);
    const placed = placeQ4KBlocks(bytes.slice());
    for (let b = 0; b < 2; b++) {
      const qs = b * 144 + 16;
      // the header is untouched
      expect(placed.subarray(b * 144, qs)).toEqual(bytes.subarray(b * 144, qs));
      for (let k = 0; k < 8; k++)
        for (let c = 0; c < 4; c++)
          for (let u = 0; u < 4; u++) expect(placed[qs + 16 * k + 4 * c + u]).toBe(bytes[qs + 32 * c + 4 * k + u]);
    }
    expect(placeQ4KBlocks(placed.slice(), true)).toEqual(bytes);
  });
});

describe('Q5_K placement (TypeScript form)', () => {
  it('moves qs as Q4_K does and the 2-bit fields of qh between bytes, and back', () => {
    const bytes = randomRawBlocks(GgmlType.Q5_K, 2, 256, 6);
    const placed = placeQ5KBlocks(bytes.slice());
    for (let b = 0; b < 2; b++) {
      const base = b * 176;
      expect(placed.subarray(base, base + 16)).toEqual(bytes.subarray(base, base + 16));
      for (let k = 0; k < 8; k++)
        for (let c = 0; c < 4; c++)
          for (let u = 0; u < 4; u++)
            expect(placed[base + 48 + 16 * k + 4 * c + u]).toBe(bytes[base + 48 + 32 * c + 4 * k + u]);
      // the 5th bits of placed level vector k = 4j + m, word c, byte u: bits 2m, 2m + 1 of qh byte 16j + 4c + u
      for (let k = 0; k < 8; k++)
        for (let c = 0; c < 4; c++)
          for (let u = 0; u < 4; u++) {
            const field = (placed[base + 16 + 16 * (k >> 2) + 4 * c + u] >> (2 * (k & 3))) & 3;
            const l = 4 * k + u; // position in chunk c
            expect(field).toBe((bytes[base + 16 + l] >> (2 * c)) & 3);
          }
    }
    expect(placeQ5KBlocks(placed.slice(), true)).toEqual(bytes);
  });
});

describe('Q6_K placement (TypeScript form)', () => {
  /** The 6-bit level of value i of a ggml-encoded super-block at `b`: its ql nibble and its qh field. */
  const ggmlLevel = (bytes: Uint8Array, b: number, i: number): number => {
    const h = i >> 7;
    const k = (i >> 5) & 3;
    const l = i & 31;
    const nibble = (bytes[b + 64 * h + 32 * (k & 1) + l] >> (4 * (k >> 1))) & 15;
    return nibble | (((bytes[b + 128 + 32 * h + l] >> (2 * k)) & 3) << 4);
  };

  it('puts values 4q .. 4q + 3 of group 4(t & 1) + c in word c of level vector t = 4r + k, six bits a level, and back', () => {
    const bytes = randomRawBlocks(GgmlType.Q6_K, 2, 256, 7);
    const placed = placeQ6KBlocks(bytes.slice());
    for (let b = 0; b < 2 * 210; b += 210) {
      // scales and d untouched
      expect(placed.subarray(b + 192, b + 210)).toEqual(bytes.subarray(b + 192, b + 210));
      for (let h = 0; h < 2; h++)
        for (let r = 0; r < 2; r++)
          for (let p = 0; p < 16; p++) {
            // column p of row r: X = ql[16r + p], Y = ql[16r + 32 + p], Z = qh[16r + p] of the half
            const x = placed[b + 64 * h + 16 * r + p];
            const y = placed[b + 64 * h + 32 + 16 * r + p];
            const z = placed[b + 128 + 32 * h + 16 * r + p];
            const levels = [x & 63, y & 63, z & 63, ((x >> 6) << 4) | ((y >> 6) << 2) | (z >> 6)];
            for (let k = 0; k < 4; k++) {
              const t = 4 * r + k;
              const value = 128 * h + 16 * (4 * (t & 1) + (p >> 2)) + 4 * (t >> 1) + (p & 3);
              expect(levels[k]).toBe(ggmlLevel(bytes, b, value));
            }
          }
    }
    expect(placeQ6KBlocks(placed.slice(), true)).toEqual(bytes);
  });
});

describe('Q3_K placement (TypeScript form)', () => {
  /** The 3-bit level in ggml's slot of value i of the super-block at `b`: qs crumb and hmask bit. */
  const levelInSlot = (bytes: Uint8Array, b: number, i: number): number => {
    const h = i >> 7;
    const k = (i >> 5) & 3;
    const l = i & 31;
    return ((bytes[b + 32 + 32 * h + l] >> (2 * k)) & 3) | (((bytes[b + l] >> (4 * h + k)) & 1) << 2);
  };

  it('puts values 4q .. 4q + 3 of group 4(t & 1) + c in word c of level vector t = 4r + k, and back', () => {
    const bytes = randomRawBlocks(GgmlType.Q3_K, 2, 256, 8);
    const placed = placeQ3KBlocks(bytes.slice());
    for (let b = 0; b < 2 * 110; b += 110) {
      expect(placed.subarray(b + 96, b + 110)).toEqual(bytes.subarray(b + 96, b + 110));
      for (let h = 0; h < 2; h++)
        for (let r = 0; r < 2; r++)
          for (let k = 0; k < 4; k++)
            for (let p = 0; p < 16; p++) {
              const t = 4 * r + k;
              const value = 128 * h + 16 * (4 * (t & 1) + (p >> 2)) + 4 * (t >> 1) + (p & 3);
              expect(levelInSlot(placed, b, 128 * h + 32 * k + 16 * r + p)).toBe(levelInSlot(bytes, b, value));
            }
    }
    expect(placeQ3KBlocks(placed.slice(), true)).toEqual(bytes);
  });
});

describe('Q2_K placement (TypeScript form)', () => {
  /** The 2-bit level in ggml's slot of value i of the super-block at `b`: a crumb of qs. */
  const levelInSlot = (bytes: Uint8Array, b: number, i: number): number =>
    (bytes[b + 16 + 32 * (i >> 7) + (i & 31)] >> (2 * ((i >> 5) & 3))) & 3;

  it('puts values 4q .. 4q + 3 of group 4(t & 1) + c in word c of level vector t = 4r + k, and back', () => {
    const bytes = randomRawBlocks(GgmlType.Q2_K, 2, 256, 9);
    const placed = placeQ2KBlocks(bytes.slice());
    for (let b = 0; b < 2 * 84; b += 84) {
      expect(placed.subarray(b, b + 16)).toEqual(bytes.subarray(b, b + 16));
      expect(placed.subarray(b + 80, b + 84)).toEqual(bytes.subarray(b + 80, b + 84));
      for (let h = 0; h < 2; h++)
        for (let r = 0; r < 2; r++)
          for (let k = 0; k < 4; k++)
            for (let p = 0; p < 16; p++) {
              const t = 4 * r + k;
              const value = 128 * h + 16 * (4 * (t & 1) + (p >> 2)) + 4 * (t >> 1) + (p & 3);
              expect(levelInSlot(placed, b, 128 * h + 32 * k + 16 * r + p)).toBe(levelInSlot(bytes, b, value));
            }
    }
    expect(placeQ2KBlocks(placed.slice(), true)).toEqual(bytes);
  });
});

describe('Q4_0 placement (TypeScript form)', () => {
  it("gathers each whole group's four scales and puts block c's qs byte 4k + u at 16k + 4c + u, row by row, and back", () => {
    const cols = 32 * 6; // six blocks a row: one group, then two blocks left as they are
    const bytes = randomRawBlocks(GgmlType.Q4_0, 2 * 6, 32, 9);
    const placed = placeQ4_0Rows(bytes.slice(), false, cols);
    for (let row = 0; row < 2 * 108; row += 108) {
      for (let c = 0; c < 4; c++) {
        expect(placed.subarray(row + 2 * c, row + 2 * c + 2)).toEqual(bytes.subarray(row + 18 * c, row + 18 * c + 2));
        for (let k = 0; k < 4; k++)
          for (let u = 0; u < 4; u++)
            expect(placed[row + 8 + 16 * k + 4 * c + u]).toBe(bytes[row + 18 * c + 2 + 4 * k + u]);
      }
      expect(placed.subarray(row + 72, row + 108)).toEqual(bytes.subarray(row + 72, row + 108));
    }
    expect(placeQ4_0Rows(placed.slice(), true, cols)).toEqual(bytes);
    expect(() => placeQ4_0Rows(bytes.slice())).toThrow(/cols/);
  });
});

describe('Q4_1 placement (TypeScript form)', () => {
  it("gathers each whole group's scales, then its mins, and puts block c's qs byte 4k + u at 16 + 16k + 4c + u, and back", () => {
    const cols = 32 * 9; // two groups, then one block left as it is
    const bytes = randomRawBlocks(GgmlType.Q4_1, 2 * 9, 32, 12);
    const placed = placeQ4_1Rows(bytes.slice(), false, cols);
    for (let row = 0; row < 2 * 180; row += 180) {
      for (let g = row; g < row + 160; g += 80)
        for (let c = 0; c < 4; c++) {
          const block = g + 20 * c;
          expect(placed.subarray(g + 2 * c, g + 2 * c + 2)).toEqual(bytes.subarray(block, block + 2));
          expect(placed.subarray(g + 8 + 2 * c, g + 10 + 2 * c)).toEqual(bytes.subarray(block + 2, block + 4));
          for (let k = 0; k < 4; k++)
            for (let u = 0; u < 4; u++) expect(placed[g + 16 + 16 * k + 4 * c + u]).toBe(bytes[block + 4 + 4 * k + u]);
        }
      expect(placed.subarray(row + 160, row + 180)).toEqual(bytes.subarray(row + 160, row + 180));
    }
    expect(placeQ4_1Rows(placed.slice(), true, cols)).toEqual(bytes);
  });
});

describe.each([
  ['Q5_0', GgmlType.Q5_0, placeQ5_0Rows, 1],
  ['Q5_1', GgmlType.Q5_1, placeQ5_1Rows, 2],
] as const)('%s placement (TypeScript form)', (_, type, place, fields) => {
  it('gathers the fields, regroups the fifth bits by placed vector and places qs as Q4_0 does, and back', () => {
    const bb = 2 * fields + 20;
    const cols = 32 * 5; // one group, then one block left as it is
    const bytes = randomRawBlocks(type, 2 * 5, 32, 13);
    const placed = place(bytes.slice(), false, cols);
    const bit = (b: Uint8Array, at: number, i: number) => (b[at + (i >> 3)] >> (i & 7)) & 1;
    for (let row = 0; row < 2 * 5 * bb; row += 5 * bb) {
      for (let c = 0; c < 4; c++) {
        const block = row + bb * c;
        for (let f = 0; f < fields; f++)
          expect(placed.subarray(row + 8 * f + 2 * c, row + 8 * f + 2 * c + 2)).toEqual(
            bytes.subarray(block + 2 * f, block + 2 * f + 2),
          );
        for (let k = 0; k < 4; k++)
          for (let u = 0; u < 4; u++) {
            expect(placed[row + 8 * fields + 16 + 16 * k + 4 * c + u]).toBe(bytes[block + 2 * fields + 4 + 4 * k + u]);
            // the fifth bits of value 4k + u (low nibble) and 16 + 4k + u (high) of block c
            const q = row + 8 * fields + 4 * k;
            expect(bit(placed, q, 4 * c + u)).toBe(bit(bytes, block + 2 * fields, 4 * k + u));
            expect(bit(placed, q, 16 + 4 * c + u)).toBe(bit(bytes, block + 2 * fields, 16 + 4 * k + u));
          }
      }
      expect(placed.subarray(row + 4 * bb, row + 5 * bb)).toEqual(bytes.subarray(row + 4 * bb, row + 5 * bb));
    }
    expect(place(placed.slice(), true, cols)).toEqual(bytes);
  });
});

describe('planUpload', () => {
  it('places each block when its last byte arrives, for in-order chunks that split blocks', () => {
    const s = fresh();
    expect(planUpload(s, 144, 0, 200)).toEqual({ unplaceBefore: [], placeAfter: [[0, 1]] });
    expect(planUpload(s, 144, 200, 100)).toEqual({ unplaceBefore: [], placeAfter: [[1, 2]] });
    expect(planUpload(s, 144, 300, 132)).toEqual({ unplaceBefore: [], placeAfter: [[2, 3]] });
    expect(s).toEqual({ later: [], prefix: 432 });
    expect(placedBlocks(s, 144)).toBe(3);
  });

  it('keeps out-of-order uploads raw until the bytes before them arrive, then places them', () => {
    const s = fresh();
    expect(planUpload(s, 144, 288, 288)).toEqual({ unplaceBefore: [], placeAfter: [] });
    expect(placedBlocks(s, 144)).toBe(0);
    expect(planUpload(s, 144, 0, 288)).toEqual({ unplaceBefore: [], placeAfter: [[0, 4]] });
    expect(s).toEqual({ later: [], prefix: 576 });
    expect(placedBlocks(s, 144)).toBe(4);
  });

  it('puts a placed block back in ggml order before an upload overwrites part of it', () => {
    const s = fresh();
    planUpload(s, 144, 0, 432);
    // bytes 100..250: blocks 0 and 1 partly, both placed: back first, placed again after
    expect(planUpload(s, 144, 100, 150)).toEqual({
      unplaceBefore: [
        [0, 1],
        [1, 2],
      ],
      placeAfter: [[0, 2]],
    });
    // the whole of block 2 overwritten: nothing to put back, placed again after
    expect(planUpload(s, 144, 288, 144)).toEqual({ unplaceBefore: [], placeAfter: [[2, 3]] });
    // inside one block
    expect(planUpload(s, 144, 150, 10)).toEqual({ unplaceBefore: [[1, 2]], placeAfter: [[1, 2]] });
  });
});

describe.each([
  ['Q4_K', GgmlType.Q4_K, 512],
  ['Q5_K', GgmlType.Q5_K, 512],
  ['Q6_K', GgmlType.Q6_K, 512],
  ['Q3_K', GgmlType.Q3_K, 512],
  ['Q2_K', GgmlType.Q2_K, 512],
  // Q4_0 is placed by rows, in groups of four blocks: 15 blocks a row leave three in ggml's order
  ['Q4_0', GgmlType.Q4_0, 480],
  ['Q4_1', GgmlType.Q4_1, 480],
  ['Q5_0', GgmlType.Q5_0, 480],
  ['Q5_1', GgmlType.Q5_1, 480],
] as const)('placed %s weights in the wasm backend', (_, type, cols) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createWasmBackend({ threads: 1 });
  });
  afterAll(() => backend.dispose());

  it('give the same products, rows and bytes back whatever the upload chunks', async () => {
    const rows = 16; // the smallest type (Q2_K) past the last cut at 1500 bytes
    const bytes = randomWeightBytes(type, rows, cols, 3);
    const x = backend.createTensor('x', [1, cols]);
    backend.writeTensor(x, randomValues(cols, 4));
    const whole = backend.createWeight({ name: 'whole', type, shape: [cols, rows] });
    backend.uploadWeight(whole, 0, bytes);
    // odd chunks out of order, then a partial rewrite of placed blocks with the same bytes
    const pieces = backend.createWeight({ name: 'pieces', type, shape: [cols, rows] });
    const cuts = [0, 77, 300, 301, 1000, 1500, bytes.byteLength];
    for (const i of [2, 0, 4, 1, 5, 3]) backend.uploadWeight(pieces, cuts[i], bytes.subarray(cuts[i], cuts[i + 1]));
    backend.uploadWeight(pieces, 150, bytes.subarray(150, 450));
    // the wasm kernel's placement undone by the TypeScript inverse gives ggml's values back
    const expected = new Float32Array(rows * cols);
    dequantize(type, bytes, expected, rows * cols);
    for (const w of [whole, pieces]) expect(await backend.readTensor(w)).toEqual(expected);
    const a = backend.createTensor('a', [1, rows]);
    const b = backend.createTensor('b', [1, rows]);
    backend.matmul(a, whole, x, 1);
    backend.matmul(b, pieces, x, 1);
    expect(await backend.readTensor(b)).toEqual(await backend.readTensor(a));
    const ra = backend.createTensor('ra', [rows, cols]);
    const rb = backend.createTensor('rb', [rows, cols]);
    const ids = Int32Array.from({ length: rows }, (_, i) => rows - 1 - i);
    backend.getRows(ra, whole, ids);
    backend.getRows(rb, pieces, ids);
    expect(await backend.readTensor(rb)).toEqual(await backend.readTensor(ra));
  });
});

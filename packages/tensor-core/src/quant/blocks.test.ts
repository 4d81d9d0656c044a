// Random blocks (random bytes with valid half scales, never all zeros) for every type:
// - dequantizing many blocks equals dequantizing each block alone (catches "first super-block only" bugs),
//   and nothing is written past n or read past the last block;
// - every quantized type agrees bit for bit with an independent decoder written the way ggml's
//   dequantize_row_* loops walk the block (pointer arithmetic, the Q3_K u32 mask trick, gguf-py's
//   vectorized 6-bit scale unpacking), so a layout slip in any sub-block shows up;
// - targeted checks: Q4_0 nibble order, get_scale_min_k4 for all 8 sub-blocks, Q3_K's signed 6-bit scales.
import { type GgmlTypeName, ggmlTypeByName, ggmlTypeInfo } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { f16ToF32, f32ToF16 } from '../f16.js';
import { KVALUES_IQ4NL } from './iq4_nl.js';
import { minK4, packScaleMinK4, scaleK4 } from './k4-scales.js';
import { scaleQ3K } from './q3_k.js';
import { dequantize, supportedWeightTypes } from './registry.js';

/** mulberry32: a small seeded PRNG, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Byte offsets of the half scales inside one block of each quantized type (from ggml-common.h). */
const HALF_OFFSETS: Partial<Record<GgmlTypeName, number[]>> = {
  Q8_0: [0],
  Q4_0: [0],
  Q4_1: [0, 2],
  Q5_0: [0],
  Q5_1: [0, 2],
  Q2_K: [80, 82],
  Q3_K: [108],
  Q4_K: [0, 2],
  Q5_K: [0, 2],
  Q6_K: [208],
  IQ4_NL: [0],
  IQ4_XS: [0],
};

/** A finite half of magnitude 2^-10 .. 2^5 with a random sign. */
function randomHalf(r: () => number): number {
  const exp = 5 + Math.floor(r() * 16);
  return (r() < 0.5 ? 0x8000 : 0) | (exp << 10) | Math.floor(r() * 1024);
}

/** `count` random blocks of `name` (for plain types, `count` runs of 64 values). */
function randomBlocks(name: GgmlTypeName, count: number, r: () => number): { bytes: Uint8Array; n: number } {
  const info = ggmlTypeByName(name)!;
  const perBlock = info.blockSize === 1 ? 64 : info.blockSize;
  const blockBytes = (perBlock / info.blockSize) * info.bytesPerBlock;
  const bytes = new Uint8Array(count * blockBytes);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
  for (let b = 0; b < count; b++) {
    for (const at of HALF_OFFSETS[name] ?? []) {
      const h = randomHalf(r);
      bytes[b * blockBytes + at] = h & 0xff;
      bytes[b * blockBytes + at + 1] = h >> 8;
    }
  }
  return { bytes, n: count * perBlock };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const fr = Math.fround;
const half = (b: Uint8Array, o: number) => f16ToF32(b[o] | (b[o + 1] << 8));
const i8 = (v: number) => (v << 24) >> 24;

// ---- independent decoders of one block, following ggml's dequantize_row_* loops ----

function q8_0Walk(b: Uint8Array): Float32Array {
  const y = new Float32Array(32);
  for (let j = 0; j < 32; j++) y[j] = i8(b[2 + j]) * half(b, 0);
  return y;
}

function q4_0Walk(b: Uint8Array): Float32Array {
  const y = new Float32Array(32);
  for (let j = 0; j < 16; j++) {
    y[j] = ((b[2 + j] & 0x0f) - 8) * half(b, 0);
    y[j + 16] = ((b[2 + j] >> 4) - 8) * half(b, 0);
  }
  return y;
}

function q4_1Walk(b: Uint8Array): Float32Array {
  const y = new Float32Array(32);
  for (let j = 0; j < 16; j++) {
    y[j] = fr((b[4 + j] & 0x0f) * half(b, 0)) + half(b, 2);
    y[j + 16] = fr((b[4 + j] >> 4) * half(b, 0)) + half(b, 2);
  }
  return y;
}

function q5Walk(b: Uint8Array, withMin: boolean): Float32Array {
  const y = new Float32Array(32);
  const at = withMin ? 4 : 2;
  const qh = new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, true);
  for (let j = 0; j < 16; j++) {
    const xh0 = ((qh >>> j) << 4) & 0x10;
    const xh1 = (qh >>> (j + 12)) & 0x10;
    const x0 = (b[at + 4 + j] & 0x0f) | xh0;
    const x1 = (b[at + 4 + j] >> 4) | xh1;
    y[j] = withMin ? fr(x0 * half(b, 0)) + half(b, 2) : (x0 - 16) * half(b, 0);
    y[j + 16] = withMin ? fr(x1 * half(b, 0)) + half(b, 2) : (x1 - 16) * half(b, 0);
  }
  return y;
}

function q2_KWalk(b: Uint8Array): Float32Array {
  const y = new Float32Array(256);
  const d = half(b, 80);
  const min = half(b, 82);
  let yi = 0;
  let q = 16;
  let is = 0;
  for (let n = 0; n < 256; n += 128) {
    let shift = 0;
    for (let j = 0; j < 4; j++) {
      for (const off of [0, 16]) {
        const sc = b[is++];
        const dl = fr(d * (sc & 0x0f));
        const ml = fr(min * (sc >> 4));
        for (let l = 0; l < 16; l++) y[yi++] = fr(dl * ((b[q + off + l] >> shift) & 3)) - ml;
      }
      shift += 2;
    }
    q += 32;
  }
  return y;
}

/** Q3_K's 16 signed scales, unpacked with ggml's u32 mask trick (kmask1 / kmask2). */
function q3_KScalesByMasks(b: Uint8Array): Int8Array {
  const v = new DataView(b.buffer, b.byteOffset + 96, 12);
  const a0 = v.getUint32(0, true);
  const a1 = v.getUint32(4, true);
  const tmp = v.getUint32(8, true);
  const k1 = 0x03030303;
  const k2 = 0x0f0f0f0f;
  const aux = new Uint32Array([
    (a0 & k2) | ((tmp & k1) << 4),
    (a1 & k2) | (((tmp >>> 2) & k1) << 4),
    ((a0 >>> 4) & k2) | (((tmp >>> 4) & k1) << 4),
    ((a1 >>> 4) & k2) | (((tmp >>> 6) & k1) << 4),
  ]);
  const raw = new Int8Array(aux.buffer); // the host is little-endian, as ggml assumes
  return raw.map((s) => s - 32);
}

function q3_KWalk(b: Uint8Array): Float32Array {
  const y = new Float32Array(256);
  const dAll = half(b, 108);
  const scales = q3_KScalesByMasks(b);
  let yi = 0;
  let q = 32;
  let m = 1;
  let is = 0;
  for (let n = 0; n < 256; n += 128) {
    let shift = 0;
    for (let j = 0; j < 4; j++) {
      for (const off of [0, 16]) {
        const dl = fr(dAll * scales[is++]);
        for (let l = 0; l < 16; l++) {
          y[yi++] = dl * (((b[q + off + l] >> shift) & 3) - (b[off + l] & m ? 0 : 4));
        }
      }
      shift += 2;
      m <<= 1;
    }
    q += 32;
  }
  return y;
}

/** Q4_K / Q5_K scales and mins the way gguf-py unpacks them (rows of 4 bytes: d, m, m_d). */
function scaleMinGgufPy(b: Uint8Array, o: number): { sc: number[]; mn: number[] } {
  const d = [...b.subarray(o, o + 4)];
  const m = [...b.subarray(o + 4, o + 8)];
  const md = [...b.subarray(o + 8, o + 12)];
  return {
    sc: [...d.map((v) => v & 0x3f), ...md.map((v, k) => (v & 0x0f) | ((d[k] >> 2) & 0x30))],
    mn: [...m.map((v) => v & 0x3f), ...md.map((v, k) => (v >> 4) | ((m[k] >> 2) & 0x30))],
  };
}

function q45_KWalk(b: Uint8Array, fiveBit: boolean): Float32Array {
  const y = new Float32Array(256);
  const d = half(b, 0);
  const min = half(b, 2);
  const { sc, mn } = scaleMinGgufPy(b, 4);
  let yi = 0;
  let q = fiveBit ? 48 : 16;
  let is = 0;
  let u1 = 1;
  let u2 = 2;
  for (let j = 0; j < 256; j += 64) {
    const d1 = fr(d * sc[is]);
    const m1 = fr(min * mn[is]);
    const d2 = fr(d * sc[is + 1]);
    const m2 = fr(min * mn[is + 1]);
    for (let l = 0; l < 32; l++) y[yi++] = fr(d1 * ((b[q + l] & 0x0f) + (fiveBit && b[16 + l] & u1 ? 16 : 0))) - m1;
    for (let l = 0; l < 32; l++) y[yi++] = fr(d2 * ((b[q + l] >> 4) + (fiveBit && b[16 + l] & u2 ? 16 : 0))) - m2;
    q += 32;
    is += 2;
    u1 <<= 2;
    u2 <<= 2;
  }
  return y;
}

function q6_KWalk(b: Uint8Array): Float32Array {
  const y = new Float32Array(256);
  const d = half(b, 208);
  let ql = 0;
  let qh = 128;
  let sc = 192;
  for (let n = 0; n < 256; n += 128) {
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const q1 = i8((b[ql + l] & 0x0f) | (((b[qh + l] >> 0) & 3) << 4)) - 32;
      const q2 = i8((b[ql + l + 32] & 0x0f) | (((b[qh + l] >> 2) & 3) << 4)) - 32;
      const q3 = i8((b[ql + l] >> 4) | (((b[qh + l] >> 4) & 3) << 4)) - 32;
      const q4 = i8((b[ql + l + 32] >> 4) | (((b[qh + l] >> 6) & 3) << 4)) - 32;
      y[n + l] = fr(d * i8(b[sc + is])) * q1;
      y[n + l + 32] = fr(d * i8(b[sc + is + 2])) * q2;
      y[n + l + 64] = fr(d * i8(b[sc + is + 4])) * q3;
      y[n + l + 96] = fr(d * i8(b[sc + is + 6])) * q4;
    }
    ql += 64;
    qh += 32;
    sc += 8;
  }
  return y;
}

function iq4_nlWalk(b: Uint8Array): Float32Array {
  const y = new Float32Array(32);
  for (let j = 0; j < 16; j++) {
    y[j] = half(b, 0) * KVALUES_IQ4NL[b[2 + j] & 0x0f];
    y[j + 16] = half(b, 0) * KVALUES_IQ4NL[b[2 + j] >> 4];
  }
  return y;
}

function iq4_xsWalk(b: Uint8Array): Float32Array {
  const y = new Float32Array(256);
  const d = half(b, 0);
  const scalesH = b[2] | (b[3] << 8);
  let qs = 8;
  for (let ib = 0; ib < 8; ib++) {
    const ls = ((b[4 + (ib >> 1)] >> (4 * (ib % 2))) & 0x0f) | (((scalesH >> (2 * ib)) & 3) << 4);
    const dl = fr(d * (ls - 32));
    for (let j = 0; j < 16; j++) {
      y[32 * ib + j] = dl * KVALUES_IQ4NL[b[qs + j] & 0x0f];
      y[32 * ib + j + 16] = dl * KVALUES_IQ4NL[b[qs + j] >> 4];
    }
    qs += 16;
  }
  return y;
}

const WALKS: Partial<Record<GgmlTypeName, (block: Uint8Array) => Float32Array>> = {
  Q8_0: q8_0Walk,
  Q4_0: q4_0Walk,
  Q4_1: q4_1Walk,
  Q5_0: (b) => q5Walk(b, false),
  Q5_1: (b) => q5Walk(b, true),
  Q2_K: q2_KWalk,
  Q3_K: q3_KWalk,
  Q4_K: (b) => q45_KWalk(b, false),
  Q5_K: (b) => q45_KWalk(b, true),
  Q6_K: q6_KWalk,
  IQ4_NL: iq4_nlWalk,
  IQ4_XS: iq4_xsWalk,
};

describe('random blocks, every type', () => {
  for (const type of supportedWeightTypes()) {
    const info = ggmlTypeInfo(type);
    const name = info.name;

    it(`${name}: many blocks = each block alone; nothing written past n, nothing read past the end`, () => {
      const r = rng(0x51ed + type);
      const count = 9;
      const { bytes, n } = randomBlocks(name, count, r);
      const per = n / count;
      const blockBytes = bytes.length / count;
      const all = new Float32Array(n + 16).fill(Number.NaN);
      dequantize(type, bytes, all, n);
      expect(bits(all.subarray(n))).toEqual(bits(new Float32Array(16).fill(Number.NaN)));
      let nonZero = 0;
      for (let k = 0; k < count; k++) {
        // the block alone, in an array of exactly its size
        const alone = new Float32Array(per);
        dequantize(type, bytes.slice(k * blockBytes, (k + 1) * blockBytes), alone, per);
        expect(bits(all.subarray(k * per, (k + 1) * per)), `block ${k}`).toEqual(bits(alone));
        nonZero += alone.filter((v) => v !== 0).length;
      }
      expect(nonZero).toBeGreaterThan(n / 4);
      if (info.quantized) expect(all.subarray(0, n).every(Number.isFinite)).toBe(true);
    });

    const walk = WALKS[name];
    if (walk) {
      it(`${name}: agrees bit for bit with a ggml-style block walk`, () => {
        const r = rng(0xb10c + type);
        const count = 24;
        const { bytes, n } = randomBlocks(name, count, r);
        const ours = new Float32Array(n);
        dequantize(type, bytes, ours, n);
        for (let k = 0; k < count; k++) {
          const block = bytes.subarray(k * info.bytesPerBlock, (k + 1) * info.bytesPerBlock);
          const expected = walk(block);
          const got = ours.subarray(k * info.blockSize, (k + 1) * info.blockSize);
          expect(bits(got), `block ${k}`).toEqual(bits(expected));
        }
      });
    }
  }

  it('has a ggml-style walk for every quantized type', () => {
    const quantized = supportedWeightTypes()
      .map((t) => ggmlTypeInfo(t))
      .filter((i) => i.quantized);
    for (const info of quantized) expect(WALKS[info.name], info.name).toBeDefined();
  });
});

describe('block layout details', () => {
  it('Q4_0: the low nibble of byte j is value j, the high nibble value j + 16', () => {
    const block = new Uint8Array(18);
    const one = f32ToF16(1);
    block[0] = one & 0xff;
    block[1] = one >> 8;
    for (let j = 0; j < 16; j++) block[2 + j] = j | ((15 - j) << 4);
    const y = new Float32Array(32);
    dequantize(ggmlTypeByName('Q4_0')!.type, block, y, 32);
    const expected = [...Array(16).keys()].map((j) => j - 8).concat([...Array(16).keys()].map((j) => 7 - j));
    expect([...y]).toEqual(expected);
  });

  it('get_scale_min_k4: every 6-bit scale and min of all 8 sub-blocks round-trips through the 12 bytes', () => {
    const r = rng(7);
    for (let j = 0; j < 8; j++) {
      for (let v = 0; v < 64; v++) {
        const scales = Uint8Array.from({ length: 8 }, () => Math.floor(r() * 64));
        const mins = Uint8Array.from({ length: 8 }, () => Math.floor(r() * 64));
        scales[j] = v;
        mins[j] = 63 - v;
        const packed = new Uint8Array(12);
        packScaleMinK4(packed, 0, scales, mins);
        const py = scaleMinGgufPy(packed, 0);
        for (let s = 0; s < 8; s++) {
          expect(scaleK4(packed, 0, s)).toBe(scales[s]);
          expect(minK4(packed, 0, s)).toBe(mins[s]);
          expect(py.sc[s]).toBe(scales[s]);
          expect(py.mn[s]).toBe(mins[s]);
        }
      }
    }
  });

  it('Q4_K: each of the 8 sub-blocks uses its own scale and min (d = dmin = 1)', () => {
    const scales = Uint8Array.of(1, 2, 3, 4, 50, 51, 62, 63); // sub-blocks 4..7 need the packed high bits
    const mins = Uint8Array.of(63, 40, 17, 5, 33, 48, 0, 21);
    const block = new Uint8Array(144);
    const one = f32ToF16(1);
    block.set([one & 0xff, one >> 8, one & 0xff, one >> 8]);
    packScaleMinK4(block, 4, scales, mins);
    block.fill(0x21, 16); // level 1 in the low nibbles, 2 in the high ones
    const y = new Float32Array(256);
    dequantize(ggmlTypeByName('Q4_K')!.type, block, y, 256);
    for (let s = 0; s < 8; s++) {
      const level = s % 2 === 0 ? 1 : 2;
      expect([...y.subarray(32 * s, 32 * s + 32)], `sub-block ${s}`).toEqual(
        new Array(32).fill(scales[s] * level - mins[s]),
      );
    }
  });

  it('Q3_K: 16 signed 6-bit scales (-32..31) in 12 bytes, decoded alike by bit fields and the u32 mask trick', () => {
    const r = rng(11);
    for (let trial = 0; trial < 64; trial++) {
      const stored = Array.from({ length: 16 }, (_, s) => (trial + 17 * s + Math.floor(r() * 4)) & 63);
      const block = new Uint8Array(110);
      for (let s = 0; s < 16; s++) {
        const v = stored[s];
        if (s < 8) block[96 + s] |= v & 0x0f;
        else block[96 + s - 8] |= (v & 0x0f) << 4;
        block[96 + 8 + (s % 4)] |= (v >> 4) << (2 * Math.floor(s / 4));
      }
      const byMasks = q3_KScalesByMasks(block);
      for (let s = 0; s < 16; s++) {
        expect(scaleQ3K(block, 96, s)).toBe(stored[s] - 32);
        expect(byMasks[s]).toBe(stored[s] - 32);
      }
    }
  });

  it('Q3_K: a clear hmask bit subtracts 4, and negative scales flip signs (d = 1)', () => {
    const block = new Uint8Array(110);
    const one = f32ToF16(1);
    block[108] = one & 0xff;
    block[109] = one >> 8;
    // scale of sub-block s stored as 2s (signed: 2s - 32, all negative), high 2 bits zero
    for (let s = 0; s < 16; s++) {
      if (s < 8) block[96 + s] |= (2 * s) & 0x0f;
      else block[96 + s - 8] |= ((2 * s) & 0x0f) << 4;
      block[104 + (s % 4)] |= ((2 * s) >> 4) << (2 * Math.floor(s / 4));
    }
    block.fill(0b11100100, 32, 96); // low 2 bits: levels 0, 1, 2, 3 in the four bit pairs
    block.fill(0x0f, 0, 32); // high bit set for values 0..127, clear for 128..255
    const y = new Float32Array(256);
    dequantize(ggmlTypeByName('Q3_K')!.type, block, y, 256);
    for (let e = 0; e < 256; e++) {
      const level = (e >> 5) & 3;
      const q = e < 128 ? level : level - 4;
      expect(y[e], `value ${e}`).toBe((2 * (e >> 4) - 32) * q);
    }
  });
});

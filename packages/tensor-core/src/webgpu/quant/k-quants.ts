/**
 * Super-blocks of 256 values: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS. `dq32` handles group `g` of a row as
 * group `g % 8` of super-block `g / 8`. Q3_K (110 B) and Q6_K (210 B) get 2 bytes of padding at the end so
 * every super-block starts on a word; the others are multiples of 4 already. Field offsets are in bytes
 * of the GGUF block (see each type's module in src/quant for the layouts).
 */
import { GgmlType } from '@llamats/gguf-format';
import type { GpuWeightFormat } from './format.js';
import { IQ4_LEVELS_WGSL } from './legacy.js';

// [scales 16][qs 64][d 2][dmin 2]: group gg = half gg/4, 2-bit field gg%4 of qs[32 half ..]
export const q2_KGpu: GpuWeightFormat = {
  type: GgmlType.Q2_K,
  blockElems: 256,
  srcBlockBytes: 84,
  dstBlockBytes: 84,
  padFront: 0,
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let gg = g & 7u;
  let b = rw + (g >> 3u) * 21u;
  let dm = unpack2x16float(w[b + 20u]);
  let qw = b + 4u + 8u * (gg >> 2u);
  let sh = 2u * (gg & 3u);
  for (var i = 0u; i < 8u; i++) {
    let sc = wbyte(b, 2u * gg + (i >> 2u));
    let q = vec4<f32>(fields4(w[qw + i], sh, 3u));
    (*v)[i] = q * (dm.x * f32(sc & 15u)) - dm.y * f32(sc >> 4u);
  }
}`,
};

// [hmask 32][qs 64][scales 12][d 2] + 2 pad: 16 signed 6-bit scales (stored + 32)
export const q3_KGpu: GpuWeightFormat = {
  type: GgmlType.Q3_K,
  blockElems: 256,
  srcBlockBytes: 110,
  dstBlockBytes: 112,
  padFront: 0,
  wgsl: /* wgsl */ `
fn q3k_scale(b: u32, s: u32) -> f32 {
  var low = wbyte(b, 96u + s) & 15u;
  if (s >= 8u) { low = wbyte(b, 88u + s) >> 4u; }
  let high = (wbyte(b, 104u + (s & 3u)) >> (2u * (s >> 2u))) & 3u;
  return f32(i32(low | (high << 4u)) - 32);
}
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let gg = g & 7u;
  let b = rw + (g >> 3u) * 28u;
  let d = h_lo(w[b + 27u]);
  let qw = b + 8u + 8u * (gg >> 2u);
  let sh = 2u * (gg & 3u);
  let dl0 = d * q3k_scale(b, 2u * gg);
  let dl1 = d * q3k_scale(b, 2u * gg + 1u);
  for (var i = 0u; i < 8u; i++) {
    let q = vec4<f32>(fields4(w[qw + i], sh, 3u));
    let high = vec4<f32>(fields4(w[b + i], gg, 1u));
    let dl = select(dl0, dl1, i >= 4u);
    (*v)[i] = dl * (q - 4.0 + 4.0 * high);
  }
}`,
};

/** get_scale_min_k4 over the 12 scale bytes at byte 4 of the block: (scale, min) of sub-block j. */
const K4_SCALE_MIN = /* wgsl */ `
fn k4_scale_min(b: u32, j: u32) -> vec2<f32> {
  if (j < 4u) {
    return vec2<f32>(f32(wbyte(b, 4u + j) & 63u), f32(wbyte(b, 8u + j) & 63u));
  }
  let sc = (wbyte(b, 8u + j) & 15u) | ((wbyte(b, j) >> 6u) << 4u);
  let m = (wbyte(b, 8u + j) >> 4u) | ((wbyte(b, 4u + j) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}`;

// [d 2][dmin 2][scales 12][qs 128]: group gg = nibble gg%2 of qs[32 (gg/2) ..]
export const q4_KGpu: GpuWeightFormat = {
  type: GgmlType.Q4_K,
  blockElems: 256,
  srcBlockBytes: 144,
  dstBlockBytes: 144,
  padFront: 0,
  // A super-block is 9 vec4s: [d, dmin, scales] then 8 of qs. Chunk k of it is qs vec4 k: its low nibbles
  // are values 16 (k % 2) .. + 15 of group 2 (k / 2), its high nibbles the same of group 2 (k / 2) + 1.
  chunkWgsl: /* wgsl */ `
fn chunk_cols(c: u32) -> vec2<u32> {
  let k = c & 7u;
  let first = (c >> 3u) * 64u + (k >> 1u) * 16u + (k & 1u) * 4u;
  return vec2<u32>(first, first + 8u);
}
// (scale, min) of sub-block j from the 12 scale bytes s0 (bytes 0-3), s1 (4-7), s2 (8-11)
fn q4k_scale_min(s0: u32, s1: u32, s2: u32, j: u32) -> vec2<f32> {
  if (j < 4u) {
    return vec2<f32>(f32((s0 >> (8u * j)) & 63u), f32((s1 >> (8u * j)) & 63u));
  }
  let sh = 8u * (j - 4u);
  let sc = ((s2 >> sh) & 15u) | (((s0 >> (sh + 6u)) & 3u) << 4u);
  let m = ((s2 >> (sh + 4u)) & 15u) | (((s1 >> (sh + 6u)) & 3u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}
fn dq_chunk(rv: u32, c: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rv + (c >> 3u) * 9u;
  let k = c & 7u;
  let head = wv[b];
  let q = wv[b + 1u + k];
  let dm = unpack2x16float(head.x);
  let j = 2u * (k >> 1u);
  let lo = q4k_scale_min(head.y, head.z, head.w, j);
  let hi = q4k_scale_min(head.y, head.z, head.w, j + 1u);
  let d0 = dm.x * lo.x;
  let m0 = dm.y * lo.y;
  let d1 = dm.x * hi.x;
  let m1 = dm.y * hi.y;
  for (var i = 0u; i < 4u; i++) {
    let word = vec4<u32>(q[i]);
    (*v)[i] = vec4<f32>((word >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(15u)) * d0 - m0;
    (*v)[i + 4u] = vec4<f32>((word >> vec4<u32>(4u, 12u, 20u, 28u)) & vec4<u32>(15u)) * d1 - m1;
  }
}`,
  wgsl: /* wgsl */ `${K4_SCALE_MIN}
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let gg = g & 7u;
  let b = rw + (g >> 3u) * 36u;
  let dm = unpack2x16float(w[b]);
  let sm = k4_scale_min(b, gg);
  let dl = dm.x * sm.x;
  let ml = dm.y * sm.y;
  let qw = b + 4u + 8u * (gg >> 1u);
  let sh = 4u * (gg & 1u);
  for (var i = 0u; i < 8u; i++) {
    (*v)[i] = vec4<f32>(fields4(w[qw + i], sh, 15u)) * dl - ml;
  }
}`,
};

// [d 2][dmin 2][scales 12][qh 32][qs 128]: 5th bit of value 32gg + l = bit gg of qh[l]
export const q5_KGpu: GpuWeightFormat = {
  type: GgmlType.Q5_K,
  blockElems: 256,
  srcBlockBytes: 176,
  dstBlockBytes: 176,
  padFront: 0,
  wgsl: /* wgsl */ `${K4_SCALE_MIN}
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let gg = g & 7u;
  let b = rw + (g >> 3u) * 44u;
  let dm = unpack2x16float(w[b]);
  let sm = k4_scale_min(b, gg);
  let dl = dm.x * sm.x;
  let ml = dm.y * sm.y;
  let qw = b + 12u + 8u * (gg >> 1u);
  let sh = 4u * (gg & 1u);
  for (var i = 0u; i < 8u; i++) {
    let q = fields4(w[qw + i], sh, 15u) | (fields4(w[b + 4u + i], gg, 1u) << vec4<u32>(4u));
    (*v)[i] = vec4<f32>(q) * dl - ml;
  }
}`,
};

// [ql 128][qh 64][scales 16 (int8)][d 2] + 2 pad: group gg = half gg/4, quarter k = gg%4:
// low bits from ql[64 half + 32 (k%2) + l] nibble k/2, high bits from qh[32 half + l] bits 2k, 2k+1
export const q6_KGpu: GpuWeightFormat = {
  type: GgmlType.Q6_K,
  blockElems: 256,
  srcBlockBytes: 210,
  dstBlockBytes: 212,
  padFront: 0,
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let gg = g & 7u;
  let b = rw + (g >> 3u) * 53u;
  let d = h_lo(w[b + 52u]);
  let h = gg >> 2u;
  let k = gg & 3u;
  let lw = b + 16u * h + 8u * (k & 1u);
  let hw = b + 32u + 8u * h;
  let s0 = 192u + 8u * h + 2u * k;
  let d0 = d * f32(bitcast<i32>(wbyte(b, s0) << 24u) >> 24u);
  let d1 = d * f32(bitcast<i32>(wbyte(b, s0 + 1u) << 24u) >> 24u);
  for (var i = 0u; i < 8u; i++) {
    let q = fields4(w[lw + i], 4u * (k >> 1u), 15u) | (fields4(w[hw + i], 2u * k, 3u) << vec4<u32>(4u));
    (*v)[i] = select(d0, d1, i >= 4u) * (vec4<f32>(q) - 32.0);
  }
}`,
};

// [d 2][scales_h 2][scales_l 4][qs 128]: sub-block s = gg with a 6-bit scale (stored + 32), IQ4_NL levels
export const iq4_xsGpu: GpuWeightFormat = {
  type: GgmlType.IQ4_XS,
  blockElems: 256,
  srcBlockBytes: 136,
  dstBlockBytes: 136,
  padFront: 0,
  wgsl: /* wgsl */ `${IQ4_LEVELS_WGSL}
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let s = g & 7u;
  let b = rw + (g >> 3u) * 34u;
  let d = h_lo(w[b]);
  let ls = ((w[b + 1u] >> (4u * s)) & 15u) | (((w[b] >> (16u + 2u * s)) & 3u) << 4u);
  let dl = d * f32(i32(ls) - 32);
  for (var i = 0u; i < 4u; i++) {
    let q = w[b + 2u + 4u * s + i];
    (*v)[i] = dl * iq4_levels(fields4(q, 0u, 15u));
    (*v)[i + 4u] = dl * iq4_levels(fields4(q, 4u, 15u));
  }
}`,
};

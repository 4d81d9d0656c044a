/**
 * Blocks of 32 values: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL. The 18/22/34-byte blocks get 2 bytes of
 * padding in front, which puts the f16 scale in the high half of word 0 and the quants on word boundaries:
 *
 * ```
 * Q8_0   36 B: [pad 2][d 2][qs 32]              word 0 hi = d, words 1..8 = qs
 * Q4_0   20 B: [pad 2][d 2][qs 16]              word 0 hi = d, words 1..4 = qs
 * IQ4_NL 20 B: [pad 2][d 2][qs 16]              as Q4_0
 * Q5_0   24 B: [pad 2][d 2][qh 4][qs 16]        word 1 = qh, words 2..5 = qs
 * Q4_1   20 B: [d 2][m 2][qs 16]                (unpadded) word 0 = d | m << 16
 * Q5_1   24 B: [d 2][m 2][qh 4][qs 16]          (unpadded)
 * ```
 * Nibble order (see src/quant): byte j low nibble = value j, high nibble = value j + 16.
 */
import { GgmlType } from '@llamats/gguf-format';
import type { GpuWeightFormat } from './format.js';

export const q8_0Gpu: GpuWeightFormat = {
  type: GgmlType.Q8_0,
  blockElems: 32,
  srcBlockBytes: 34,
  dstBlockBytes: 36,
  padFront: 2,
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 9u;
  let d = h_hi(w[b]);
  for (var i = 0u; i < 8u; i++) { (*v)[i] = d * sbytes4(w[b + 1u + i]); }
}`,
};

export const q4_0Gpu: GpuWeightFormat = {
  type: GgmlType.Q4_0,
  blockElems: 32,
  srcBlockBytes: 18,
  dstBlockBytes: 20,
  padFront: 2,
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 5u;
  let d = h_hi(w[b]);
  for (var i = 0u; i < 4u; i++) {
    let q = w[b + 1u + i];
    (*v)[i] = (vec4<f32>(fields4(q, 0u, 15u)) - 8.0) * d;
    (*v)[i + 4u] = (vec4<f32>(fields4(q, 4u, 15u)) - 8.0) * d;
  }
}`,
};

export const q4_1Gpu: GpuWeightFormat = {
  type: GgmlType.Q4_1,
  blockElems: 32,
  srcBlockBytes: 20,
  dstBlockBytes: 20,
  padFront: 0,
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 5u;
  let dm = unpack2x16float(w[b]);
  for (var i = 0u; i < 4u; i++) {
    let q = w[b + 1u + i];
    (*v)[i] = vec4<f32>(fields4(q, 0u, 15u)) * dm.x + dm.y;
    (*v)[i + 4u] = vec4<f32>(fields4(q, 4u, 15u)) * dm.x + dm.y;
  }
}`,
};

/** The 5th bits of values 4i .. 4i + 3 (and + 16) from the u32 qh, moved to bit 4. */
const Q5_HIGH = /* wgsl */ `
fn q5_high(qh: u32, first: u32) -> vec4<u32> {
  return ((vec4<u32>(qh) >> (vec4<u32>(first) + vec4<u32>(0u, 1u, 2u, 3u))) & vec4<u32>(1u)) << vec4<u32>(4u);
}`;

export const q5_0Gpu: GpuWeightFormat = {
  type: GgmlType.Q5_0,
  blockElems: 32,
  srcBlockBytes: 22,
  dstBlockBytes: 24,
  padFront: 2,
  wgsl: /* wgsl */ `${Q5_HIGH}
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 6u;
  let d = h_hi(w[b]);
  let qh = w[b + 1u];
  for (var i = 0u; i < 4u; i++) {
    let q = w[b + 2u + i];
    (*v)[i] = (vec4<f32>(fields4(q, 0u, 15u) | q5_high(qh, 4u * i)) - 16.0) * d;
    (*v)[i + 4u] = (vec4<f32>(fields4(q, 4u, 15u) | q5_high(qh, 4u * i + 16u)) - 16.0) * d;
  }
}`,
};

export const q5_1Gpu: GpuWeightFormat = {
  type: GgmlType.Q5_1,
  blockElems: 32,
  srcBlockBytes: 24,
  dstBlockBytes: 24,
  padFront: 0,
  wgsl: /* wgsl */ `${Q5_HIGH}
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 6u;
  let dm = unpack2x16float(w[b]);
  let qh = w[b + 1u];
  for (var i = 0u; i < 4u; i++) {
    let q = w[b + 2u + i];
    (*v)[i] = vec4<f32>(fields4(q, 0u, 15u) | q5_high(qh, 4u * i)) * dm.x + dm.y;
    (*v)[i + 4u] = vec4<f32>(fields4(q, 4u, 15u) | q5_high(qh, 4u * i + 16u)) * dm.x + dm.y;
  }
}`,
};

/** ggml's kvalues_iq4nl, the 16 levels of IQ4_NL and IQ4_XS (same numbers as src/quant/iq4-levels.ts). */
export const IQ4_LEVELS_WGSL = /* wgsl */ `
const IQ4_LEVELS = array<f32, 16>(-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0,
  1.0, 13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);
fn iq4_levels(q: vec4<u32>) -> vec4<f32> {
  var levels = IQ4_LEVELS;
  return vec4<f32>(levels[q.x], levels[q.y], levels[q.z], levels[q.w]);
}`;

export const iq4_nlGpu: GpuWeightFormat = {
  type: GgmlType.IQ4_NL,
  blockElems: 32,
  srcBlockBytes: 18,
  dstBlockBytes: 20,
  padFront: 2,
  wgsl: /* wgsl */ `${IQ4_LEVELS_WGSL}
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 5u;
  let d = h_hi(w[b]);
  for (var i = 0u; i < 4u; i++) {
    let q = w[b + 1u + i];
    (*v)[i] = d * iq4_levels(fields4(q, 0u, 15u));
    (*v)[i + 4u] = d * iq4_levels(fields4(q, 4u, 15u));
  }
}`,
};

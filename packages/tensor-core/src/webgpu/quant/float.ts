/** F32, F16 and BF16 weights: rows stored as in the file (F16/BF16 rows padded to 4 bytes when odd). */
import { GgmlType } from '@llamats/gguf-format';
import type { GpuWeightFormat } from './format.js';

export const f32Gpu: GpuWeightFormat = {
  type: GgmlType.F32,
  blockElems: 1,
  srcBlockBytes: 4,
  dstBlockBytes: 4,
  padFront: 0,
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 32u;
  for (var i = 0u; i < 8u; i++) {
    (*v)[i] = bitcast<vec4<f32>>(vec4<u32>(w[b + 4u * i], w[b + 4u * i + 1u], w[b + 4u * i + 2u], w[b + 4u * i + 3u]));
  }
}`,
};

export const f16Gpu: GpuWeightFormat = {
  type: GgmlType.F16,
  blockElems: 1,
  srcBlockBytes: 2,
  dstBlockBytes: 2,
  padFront: 0,
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 16u;
  for (var i = 0u; i < 8u; i++) {
    (*v)[i] = vec4<f32>(unpack2x16float(w[b + 2u * i]), unpack2x16float(w[b + 2u * i + 1u]));
  }
}`,
};

export const bf16Gpu: GpuWeightFormat = {
  type: GgmlType.BF16,
  blockElems: 1,
  srcBlockBytes: 2,
  dstBlockBytes: 2,
  padFront: 0,
  // a bf16 is the top half of an f32: shift it into place
  wgsl: /* wgsl */ `
fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) {
  let b = rw + g * 16u;
  for (var i = 0u; i < 8u; i++) {
    let a = w[b + 2u * i];
    let c = w[b + 2u * i + 1u];
    (*v)[i] = bitcast<vec4<f32>>(vec4<u32>(a << 16u, a & 0xffff0000u, c << 16u, c & 0xffff0000u));
  }
}`,
};

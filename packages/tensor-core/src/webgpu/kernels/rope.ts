/**
 * RoPE in place on `x` `[n, nHead * headDim]`: one invocation per rotated pair. `normal` rotates
 * adjacent pairs (2i, 2i + 1), `neox` pairs (i, i + nDims / 2). The per-pair frequencies
 * `freqScale * base^(-2i / nDims)` are computed on the CPU in f64 and passed in the arena (with the
 * positions); optional `rope_freqs` divisors come from a weight buffer. Angles are f32 (as in ggml),
 * reduced to [-pi, pi] in two steps before sin/cos so large positions keep their precision.
 */
import { grid, type KernelSpec, LINEAR_WG, paramsWgsl } from './kernel.js';

export const ROPE_WG = 256;

/** `fn rope_cs(pos, pair) -> vec2(cos, sin)`; needs `arena`, `p.theta_off` and (with factors) `ff`. */
export function ropeAngleWgsl(factors: boolean): string {
  return /* wgsl */ `
fn rope_cs(pos: f32, pair: u32) -> vec2<f32> {
  var theta = bitcast<f32>(arena[p.theta_off + pair]);
  ${factors ? 'theta = theta / ff[pair];' : ''}
  let angle = pos * theta;
  let k = round(angle * 0.15915494309189535);
  // Cody-Waite: 2pi = 6.28125 (exact in few bits) + 0.0019353071795864769
  let r = fma(-k, 0.0019353071795864769, fma(-k, 6.28125, angle));
  return vec2<f32>(cos(r), sin(r));
}`;
}

/** Bindings: (x rw, arena, [factors]). */
export function ropeKernel(factors: boolean): KernelSpec {
  const params = [
    ['total', 'u32'],
    ['n_head', 'u32'],
    ['head_dim', 'u32'],
    ['half', 'u32'],
    ['neox', 'u32'],
    ['pos_off', 'u32'],
    ['theta_off', 'u32'],
  ] as const;
  const code = /* wgsl */ `${paramsWgsl(params)}
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> arena: array<u32>;
${factors ? '@group(0) @binding(3) var<storage, read> ff: array<f32>;' : ''}
${ropeAngleWgsl(factors)}
@compute @workgroup_size(${ROPE_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (${LINEAR_WG}) * ${ROPE_WG}u + lid;
  if (i >= p.total) { return; }
  let pair = i % p.half;
  let head = (i / p.half) % p.n_head;
  let t = i / (p.half * p.n_head);
  let cs = rope_cs(f32(bitcast<i32>(arena[p.pos_off + t])), pair);
  let base = (t * p.n_head + head) * p.head_dim;
  var a = base + 2u * pair;
  var b = a + 1u;
  if (p.neox != 0u) {
    a = base + pair;
    b = a + p.half;
  }
  let x0 = x[a];
  let x1 = x[b];
  x[a] = x0 * cs.x - x1 * cs.y;
  x[b] = x0 * cs.y + x1 * cs.x;
}
`;
  return { key: `rope:${factors}`, code, bindings: factors ? ['rw', 'read', 'read'] : ['rw', 'read'], params };
}

export function ropeGrid(pairs: number): [number, number, number] {
  return grid(Math.ceil(pairs / ROPE_WG));
}

/** Per-pair base frequencies `freqScale * freqBase^(-2i / nDims)`, computed in f64. */
export function ropeThetaBase(nDims: number, freqBase: number, freqScale: number): Float32Array {
  const half = nDims / 2;
  const th = new Float32Array(half);
  for (let i = 0; i < half; i++) th[i] = freqScale * freqBase ** ((-2 * i) / nDims);
  return th;
}

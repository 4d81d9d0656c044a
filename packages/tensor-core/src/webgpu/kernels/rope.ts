/**
 * RoPE in place on `x` `[n, nHead * headDim]`: one invocation per rotated pair. `normal` rotates
 * adjacent pairs (2i, 2i + 1), `neox` pairs (i, i + nDims / 2). The per-pair frequencies
 * `freqScale * base^(-2i / nDims)` are computed on the CPU in f64 and passed in the arena (with the
 * positions); optional `rope_freqs` divisors come from a weight buffer. Angles are f32 (as in ggml).
 */
import { grid, type KernelSpec, LINEAR_WG, memoKernel, paramsWgsl } from './kernel.js';

export const ROPE_WG = 256;

/**
 * `fn rope_cs(pos, pair) -> vec2(cos, sin)`; needs `arena`, `p.theta_off` and (with factors) `ff`.
 * sin/cos are our own: the angle is reduced to [-pi/4, pi/4] in three fma steps (exact for quadrant counts
 * below 2^16) and evaluated with Taylor polynomials (error < 3e-8), because Vulkan lets built-in sin/cos be
 * off by 2^-11 (SwiftShader is, measurably).
 */
export function ropeAngleWgsl(factors: boolean): string {
  return /* wgsl */ `
fn sin_cos(angle: f32) -> vec2<f32> {
  let q = round(angle * 0.6366197723675814);
  let y = fma(-q, 7.549789948768648e-8, fma(-q, 4.8375129699707031e-4, fma(-q, 1.5703125, angle)));
  let y2 = y * y;
  let s = y + y * y2 * (-0.16666666666666666 + y2 * (0.008333333333333333 + y2 * (-1.984126984126984e-4 + y2 * 2.7557319223985893e-6)));
  let c = 1.0 + y2 * (-0.5 + y2 * (0.041666666666666664 + y2 * (-0.001388888888888889 + y2 * (2.48015873015873e-5 - y2 * 2.755731922398589e-7))));
  let quadrant = i32(q) & 3;
  if (quadrant == 0) { return vec2<f32>(c, s); }
  if (quadrant == 1) { return vec2<f32>(-s, c); }
  if (quadrant == 2) { return vec2<f32>(-c, -s); }
  return vec2<f32>(s, -c);
}
fn rope_cs(pos: f32, pair: u32) -> vec2<f32> {
  var theta = bitcast<f32>(arena[p.theta_off + pair]);
  ${factors ? 'theta = theta / ff[pair];' : ''}
  return sin_cos(pos * theta);
}`;
}

/** Bindings: (x rw, arena, [factors]). */
function buildRopeKernel(factors: boolean): KernelSpec {
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
  // every rope op of a model asks for the same few tables: computed once each (callers only read them)
  const key = `${nDims}|${freqBase}|${freqScale}`;
  let th = thetaTables.get(key);
  if (!th) {
    const half = nDims / 2;
    th = new Float32Array(half);
    for (let i = 0; i < half; i++) th[i] = freqScale * freqBase ** ((-2 * i) / nDims);
    thetaTables.set(key, th);
  }
  return th;
}
const thetaTables = new Map<string, Float32Array>();

/** {@link buildRopeKernel}, built once per distinct arguments. */
export const ropeKernel = memoKernel(buildRopeKernel);

/**
 * KV cache writes and context shift. Caches are `[nCtx, nHeadKv * headDim]` per layer and per K / V
 * (one buffer each), elements stored as {@link KvStorage} says. Every invocation handles one pair of
 * adjacent elements, so a packed-f16 word is written by one invocation only.
 */
import { enables, grid, type KernelSpec, LINEAR_WG, memoKernel, paramsWgsl, type ShaderCaps } from './kernel.js';
import { type KvStorage, kvLoadScalar, kvScalarType, kvStorePair } from './kv-storage.js';
import { ropeAngleWgsl } from './rope.js';

export const KV_WG = 256;

/** Bindings: (K cache, V cache, k rows, v rows). Copies `pairs` element pairs to pair index `base`. */
function buildWriteKvKernel(s: KvStorage, caps: ShaderCaps): KernelSpec {
  const params = [
    ['pairs', 'u32'],
    ['base', 'u32'],
  ] as const;
  const t = kvScalarType(s);
  const code = /* wgsl */ `${enables({ ...caps, subgroups: false }, s === 'f16')}${paramsWgsl(params)}
@group(0) @binding(1) var<storage, read_write> kc: array<${t}>;
@group(0) @binding(2) var<storage, read_write> vc: array<${t}>;
@group(0) @binding(3) var<storage, read> k: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read> v: array<vec2<f32>>;
${kvStorePair(s, 'store_k', 'kc')}
${kvStorePair(s, 'store_v', 'vc')}
@compute @workgroup_size(${KV_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (${LINEAR_WG}) * ${KV_WG}u + lid;
  if (i >= p.pairs) { return; }
  let kp = k[i];
  let vp = v[i];
  store_k(p.base + i, kp.x, kp.y);
  store_v(p.base + i, vp.x, vp.y);
}
`;
  return { key: `writekv:${s}`, code, bindings: ['rw', 'rw', 'read', 'read'], params };
}

/**
 * Re-rotates keys after a context shift: reads `count` cells copied to `src` (a scratch buffer in the
 * cache's storage), rotates every head by `delta` positions, stores them at cell pair index `base` of K.
 * Bindings: (K cache, scratch, arena, [factors]).
 */
function buildShiftKKernel(s: KvStorage, caps: ShaderCaps, factors: boolean): KernelSpec {
  const params = [
    ['pairs', 'u32'],
    ['base', 'u32'],
    ['head_dim', 'u32'],
    ['n_dims', 'u32'],
    ['neox', 'u32'],
    ['delta', 'f32'],
    ['theta_off', 'u32'],
  ] as const;
  const t = kvScalarType(s);
  const code = /* wgsl */ `${enables({ ...caps, subgroups: false }, s === 'f16')}${paramsWgsl(params)}
@group(0) @binding(1) var<storage, read_write> kc: array<${t}>;
@group(0) @binding(2) var<storage, read> src: array<${t}>;
@group(0) @binding(3) var<storage, read> arena: array<u32>;
${factors ? '@group(0) @binding(4) var<storage, read> ff: array<f32>;' : ''}
${kvLoadScalar(s, 'sv', 'src')}
${kvStorePair(s, 'store_k', 'kc')}
${ropeAngleWgsl(factors)}
// the rotated value of element e of the head starting at hb
fn rotated(hb: u32, e: u32) -> f32 {
  if (e >= p.n_dims) { return sv(hb + e); }
  let half = p.n_dims / 2u;
  var a = e & ~1u;
  var b = a + 1u;
  var first = (e & 1u) == 0u;
  var pair = e / 2u;
  if (p.neox != 0u) {
    first = e < half;
    pair = select(e - half, e, first);
    a = pair;
    b = pair + half;
  }
  let cs = rope_cs(p.delta, pair);
  let x0 = sv(hb + a);
  let x1 = sv(hb + b);
  return select(x0 * cs.y + x1 * cs.x, x0 * cs.x - x1 * cs.y, first);
}
@compute @workgroup_size(${KV_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (${LINEAR_WG}) * ${KV_WG}u + lid;
  if (i >= p.pairs) { return; }
  let e0 = 2u * i;
  let hb = (e0 / p.head_dim) * p.head_dim; // head start (rows are whole heads)
  let e = e0 - hb;
  store_k(p.base + i, rotated(hb, e), rotated(hb, e + 1u));
}
`;
  return {
    key: `shiftk:${s}:${factors}`,
    code,
    bindings: factors ? ['rw', 'read', 'read', 'read'] : ['rw', 'read', 'read'],
    params,
  };
}

export function kvGrid(pairs: number): [number, number, number] {
  return grid(Math.ceil(pairs / KV_WG));
}

/** {@link buildWriteKvKernel}, built once per distinct arguments. */
export const writeKvKernel = memoKernel(buildWriteKvKernel);

/** {@link buildShiftKKernel}, built once per distinct arguments. */
export const shiftKKernel = memoKernel(buildShiftKKernel);

/**
 * Fused causal attention over the KV cache (flash-attention style, online softmax): one workgroup per
 * (query token, head). Per tile of 64 cells each invocation scores one cell (q . k over headDim), the
 * workgroup finds the tile maximum and sum, rescales its running output, and each invocation accumulates
 * the dimensions it owns (`lid`, `lid + 64`, ...: adjacent invocations read adjacent V values).
 * Grouped-query heads: query head h reads KV head `h / (nHead / nHeadKv)`. Scores never leave the chip.
 *
 * Split variant (decode over a long cache, flash-decoding): the cells are cut into `n_splits` ranges of
 * `split_len`, one workgroup per (token, head, range) writes its unnormalized output with its running
 * max and sum; {@link attentionCombineKernel} merges the ranges. Without it a decode step would run only
 * nHead workgroups, each walking the whole cache.
 */
import {
  enables,
  type KernelSpec,
  LINEAR_WG,
  laneBuiltins,
  paramsWgsl,
  reductionsWgsl,
  type ShaderCaps,
} from './kernel.js';
import { type KvStorage, kvLoadScalar, kvLoadVec4, kvScalarType } from './kv-storage.js';

export const ATTN_WG = 64;
/** Largest head dimension the kernel supports (4 owned dimensions per invocation). */
export const ATTN_MAX_HEAD_DIM = 256;

/**
 * Bindings: (out, q, K cache, V cache). One workgroup per (token, head), token-major; with `split`, per
 * (token, head, range) and `out` receives partials `[token, head, range, headDim + 2]` (output, max, sum).
 */
export function attentionKernel(s: KvStorage, caps: ShaderCaps, split = false): KernelSpec {
  const params = [
    ['n', 'u32'],
    ['n_head', 'u32'],
    ['group', 'u32'],
    ['head_dim', 'u32'],
    ['pos0', 'u32'],
    ['scale', 'f32'],
    ['kv_stride', 'u32'],
    ['n_splits', 'u32'],
    ['split_len', 'u32'],
  ] as const;
  const lanes = laneBuiltins(caps);
  const t = kvScalarType(s);
  const dpt = ATTN_MAX_HEAD_DIM / ATTN_WG;
  const code = /* wgsl */ `${enables(caps, s === 'f16')}${paramsWgsl(params)}
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> kc: array<${t}>;
@group(0) @binding(4) var<storage, read> vc: array<${t}>;
${kvLoadVec4(s, 'k4', 'kc')}
${kvLoadScalar(s, 'v1', 'vc')}
${reductionsWgsl(ATTN_WG, caps)}
var<workgroup> qs: array<vec4<f32>, ${ATTN_MAX_HEAD_DIM / 4}>;
var<workgroup> ps: array<f32, ${ATTN_WG}>;
const NEG_BIG = -3.0e38;
@compute @workgroup_size(${ATTN_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${lanes.args}) {
  ${lanes.init}
  let idx = ${LINEAR_WG};
  let split = idx % p.n_splits;
  let t = idx / (p.n_head * p.n_splits);
  let h = (idx / p.n_splits) % p.n_head;
  if (t >= p.n) { return; }
  let hd = p.head_dim;
  let hd4 = hd / 4u;
  let q_row = (t * p.n_head + h) * hd;
  let kv_head = (h / p.group) * hd;
  let n_all = p.pos0 + t + 1u;
  let c0 = split * p.split_len;
  let n_kv = min(n_all, c0 + p.split_len); // cells c0 .. n_kv of this workgroup
  for (var d = lid; d < hd4; d += ${ATTN_WG}u) {
    let b = q_row + 4u * d;
    qs[d] = vec4<f32>(q[b], q[b + 1u], q[b + 2u], q[b + 3u]) * p.scale;
  }
  workgroupBarrier();
  var m = NEG_BIG;
  var l = 0.0;
  var acc: array<f32, ${dpt}>;
  for (var j0 = c0; j0 < n_kv; j0 += ${ATTN_WG}u) {
    let j = j0 + lid;
    var s = NEG_BIG;
    if (j < n_kv) {
      let kb = (j * p.kv_stride + kv_head) / 4u;
      var dot_qk = 0.0;
      for (var d = 0u; d < hd4; d++) { dot_qk += dot(qs[d], k4(kb + d)); }
      s = dot_qk;
    }
    let m_new = max(m, wg_max(s, lid));
    let pj = select(0.0, exp(s - m_new), j < n_kv);
    ps[lid] = pj;
    let tile_sum = wg_sum(pj, lid); // its barrier also publishes ps
    let corr = exp(m - m_new);
    l = l * corr + tile_sum;
    let cnt = min(${ATTN_WG}u, n_kv - j0);
    for (var e = 0u; e < ${dpt}u; e++) {
      let d = lid + e * ${ATTN_WG}u;
      if (d < hd) {
        var a = acc[e] * corr;
        var vi = j0 * p.kv_stride + kv_head + d;
        for (var jj = 0u; jj < cnt; jj++) {
          a += ps[jj] * v1(vi);
          vi += p.kv_stride;
        }
        acc[e] = a;
      }
    }
    m = m_new;
    workgroupBarrier();
  }
  ${
    split
      ? `let pb = idx * (hd + 2u); // partial of (token, head, range)
  for (var e = 0u; e < ${dpt}u; e++) {
    let d = lid + e * ${ATTN_WG}u;
    if (d < hd) { o[pb + d] = acc[e]; }
  }
  if (lid == 0u) {
    o[pb + hd] = m;
    o[pb + hd + 1u] = l;
  }`
      : `for (var e = 0u; e < ${dpt}u; e++) {
    let d = lid + e * ${ATTN_WG}u;
    if (d < hd) { o[q_row + d] = acc[e] / l; }
  }`
  }
}
`;
  return { key: `attn:${s}:${caps.subgroups}:${split}`, code, bindings: ['rw', 'read', 'read', 'read'], params };
}

/**
 * Merges the partials of the split attention: `out = sum_r acc_r e^(m_r - M) / sum_r l_r e^(m_r - M)`.
 * One workgroup per (token, head); bindings: (out, partials).
 */
export function attentionCombineKernel(): KernelSpec {
  const params = [
    ['n', 'u32'],
    ['n_head', 'u32'],
    ['head_dim', 'u32'],
    ['n_splits', 'u32'],
  ] as const;
  const code = /* wgsl */ `${paramsWgsl(params)}
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> part: array<f32>;
@compute @workgroup_size(${ATTN_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let th = ${LINEAR_WG}; // token * n_head + head
  if (th >= p.n * p.n_head) { return; }
  let hd = p.head_dim;
  let stride = hd + 2u;
  let base = th * p.n_splits * stride;
  var big = -3.0e38;
  for (var r = 0u; r < p.n_splits; r++) { big = max(big, part[base + r * stride + hd]); }
  var total = 0.0;
  for (var r = 0u; r < p.n_splits; r++) {
    total += part[base + r * stride + hd + 1u] * exp(part[base + r * stride + hd] - big);
  }
  for (var d = lid; d < hd; d += ${ATTN_WG}u) {
    var a = 0.0;
    for (var r = 0u; r < p.n_splits; r++) {
      a += part[base + r * stride + d] * exp(part[base + r * stride + hd] - big);
    }
    o[th * hd + d] = a / total;
  }
}
`;
  return { key: 'attn-combine', code, bindings: ['rw', 'read'], params };
}

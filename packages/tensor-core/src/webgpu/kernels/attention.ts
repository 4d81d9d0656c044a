/**
 * Fused causal attention over the KV cache (flash-attention style, online softmax): one workgroup per
 * query token and group of query heads sharing a KV head (grouped-query attention: query head h reads KV
 * head `h / (nHead / nHeadKv)`). Per tile of 64 cells each invocation scores one cell for every head of
 * the group (q . k over headDim, K read once), the workgroup finds the tile maxima and sums, rescales its
 * running outputs, and each invocation accumulates the dimensions it owns (`lid`, `lid + 64`, ...:
 * adjacent invocations read adjacent V values, each once for the whole group). Scores never leave the chip.
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
  memoKernel,
  paramsWgsl,
  type ShaderCaps,
} from './kernel.js';
import { type KvStorage, kvLoadPair, kvLoadScalar, kvLoadVec4, kvScalarType } from './kv-storage.js';

export const ATTN_WG = 64;
/** Largest head dimension the kernel supports (4 owned dimensions per invocation). */
export const ATTN_MAX_HEAD_DIM = 256;

/** Query heads one workgroup handles: the largest of 4, 2, 1 dividing the grouped-query group. */
export function attentionHeadsPerWorkgroup(group: number): number {
  for (const g of [4, 2]) if (group % g === 0) return g;
  return 1;
}

/**
 * Bindings: (out, q, K cache, V cache). One workgroup per (token, `hpw` <= 4 query heads sharing one KV
 * head), token-major, so each K and V value is read once for all of them; per-head values travel as the
 * lanes of a vec4 (unused lanes idle). With `split`, one workgroup per (token, heads, range) and `out`
 * receives partials `[token, head, range, headDim + 2]` (unnormalized output, max, sum).
 */
function buildAttentionKernel(s: KvStorage, caps: ShaderCaps, split = false, hpw = 1): KernelSpec {
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
  const G = hpw;
  const Q4 = ATTN_MAX_HEAD_DIM / 4; // vec4s of one head's q
  // scores of the G heads for one cell: q_i . k, lanes past G stay 0
  const lanesOf = (f: (i: number) => string) =>
    `vec4<f32>(${[0, 1, 2, 3].map((i) => (i < G ? f(i) : '0.0')).join(', ')})`;
  // workgroup max / sum of one vec4 per invocation
  const reduce = caps.subgroups
    ? /* wgsl */ `
${lanes.decls}
fn wg_reduce(v: vec4<f32>, lid: u32, is_max: bool) -> vec4<f32> {
  let r = select(subgroupAdd(v), subgroupMax(v), is_max);
  if (sg_lane == 0u) { red[lid / sg_size] = r; }
  workgroupBarrier();
  var out = red[0];
  let nsg = (${ATTN_WG}u + sg_size - 1u) / sg_size;
  for (var k = 1u; k < nsg; k++) { out = select(out + red[k], max(out, red[k]), is_max); }
  workgroupBarrier();
  return out;
}`
    : /* wgsl */ `
fn wg_reduce(v: vec4<f32>, lid: u32, is_max: bool) -> vec4<f32> {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${ATTN_WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), is_max); }
    workgroupBarrier();
  }
  let out = red[0];
  workgroupBarrier();
  return out;
}`;
  const code = /* wgsl */ `${enables(caps, s === 'f16')}${paramsWgsl(params)}
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> kc: array<${t}>;
@group(0) @binding(4) var<storage, read> vc: array<${t}>;
${kvLoadVec4(s, 'k4', 'kc')}
${kvLoadScalar(s, 'v1', 'vc')}
${kvLoadPair(s, 'v2', 'vc')}
var<workgroup> red: array<vec4<f32>, ${ATTN_WG}>;
var<workgroup> qs: array<vec4<f32>, ${G * Q4}>; // [head][dim / 4], pre-scaled
var<workgroup> ps: array<vec4<f32>, ${ATTN_WG}>; // [cell of the tile] -> probabilities of the heads
${reduce}
const NEG_BIG = -3.0e38;
// the dimension acc[e] of invocation lid holds: pairs for even head sizes, else lid + 64 e
fn owned_dim(lid: u32, e: u32, hd: u32) -> u32 {
  if ((hd & 1u) == 0u) { return 2u * (lid + (e >> 1u) * ${ATTN_WG}u) + (e & 1u); }
  return lid + e * ${ATTN_WG}u;
}
@compute @workgroup_size(${ATTN_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${lanes.args}) {
  ${lanes.init}
  let idx = ${LINEAR_WG};
  let split = idx % p.n_splits;
  let n_groups = p.n_head / ${G}u;
  let t = idx / (n_groups * p.n_splits);
  let h0 = ((idx / p.n_splits) % n_groups) * ${G}u; // first query head of this workgroup
  if (t >= p.n) { return; }
  let hd = p.head_dim;
  let hd4 = hd / 4u;
  let kv_head = (h0 / p.group) * hd;
  let n_all = p.pos0 + t + 1u;
  let c0 = split * p.split_len;
  let n_kv = min(n_all, c0 + p.split_len); // cells c0 .. n_kv of this workgroup
  for (var i = 0u; i < ${G}u; i++) {
    let q_row = (t * p.n_head + h0 + i) * hd;
    for (var d = lid; d < hd4; d += ${ATTN_WG}u) {
      let b = q_row + 4u * d;
      qs[i * ${Q4}u + d] = vec4<f32>(q[b], q[b + 1u], q[b + 2u], q[b + 3u]) * p.scale;
    }
  }
  workgroupBarrier();
  var m = vec4<f32>(NEG_BIG);
  var l = vec4<f32>(0.0);
  var acc: array<vec4<f32>, 4>; // acc[e]: dimension owned_dim(lid, e), one lane per head
  for (var j0 = c0; j0 < n_kv; j0 += ${ATTN_WG}u) {
    let j = j0 + lid;
    var sc = vec4<f32>(NEG_BIG);
    if (j < n_kv) {
      let kb = (j * p.kv_stride + kv_head) / 4u;
      sc = vec4<f32>(0.0);
      for (var d = 0u; d < hd4; d++) {
        let kv = k4(kb + d);
        sc += ${lanesOf((i) => `dot(qs[${i * Q4}u + d], kv)`)};
      }
    }
    let m_new = max(m, wg_reduce(sc, lid, true));
    let pj = select(vec4<f32>(0.0), exp(sc - m_new), j < n_kv);
    ps[lid] = pj;
    let tile_sum = wg_reduce(pj, lid, false); // its barrier also publishes ps
    let corr = exp(m - m_new);
    l = l * corr + tile_sum;
    m = m_new;
    let cnt = min(${ATTN_WG}u, n_kv - j0);
    if ((hd & 1u) == 0u) {
      // even head dimensions: invocation lid owns the pairs lid, lid + 64 (dims 2 pair, 2 pair + 1 in
      // acc[2 e], acc[2 e + 1]), one pair load per cell: half the dependent loads of one dimension each
      for (var e = 0u; e < 2u; e++) {
        let d = 2u * (lid + e * ${ATTN_WG}u);
        if (d < hd) {
          var a0 = acc[2u * e] * corr;
          var a1 = acc[2u * e + 1u] * corr;
          var vi = (j0 * p.kv_stride + kv_head + d) / 2u;
          for (var jj = 0u; jj < cnt; jj++) {
            let vv = v2(vi);
            a0 += ps[jj] * vv.x;
            a1 += ps[jj] * vv.y;
            vi += p.kv_stride / 2u;
          }
          acc[2u * e] = a0;
          acc[2u * e + 1u] = a1;
        }
      }
    } else {
      for (var e = 0u; e < 4u; e++) {
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
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${G}u; i++) {
    let h = h0 + i;
    ${
      split
        ? `let pb = ((t * p.n_head + h) * p.n_splits + split) * (hd + 2u); // partial of (token, head, range)
    for (var e = 0u; e < 4u; e++) {
      let d = owned_dim(lid, e, hd);
      if (d < hd) { o[pb + d] = acc[e][i]; }
    }
    if (lid == 0u) {
      o[pb + hd] = m[i];
      o[pb + hd + 1u] = l[i];
    }`
        : `for (var e = 0u; e < 4u; e++) {
      let d = owned_dim(lid, e, hd);
      if (d < hd) { o[(t * p.n_head + h) * hd + d] = acc[e][i] / l[i]; }
    }`
    }
  }
}
`;
  return {
    key: `attn:${s}:${caps.subgroups}:${split}:${G}`,
    code,
    bindings: ['rw', 'read', 'read', 'read'],
    params,
  };
}

/**
 * Merges the partials of the split attention: `out = sum_r acc_r e^(m_r - M) / sum_r l_r e^(m_r - M)`.
 * One workgroup per (token, head); bindings: (out, partials).
 */
function buildAttentionCombineKernel(): KernelSpec {
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

/** {@link buildAttentionKernel}, built once per distinct arguments. */
export const attentionKernel = memoKernel(buildAttentionKernel);

/** {@link buildAttentionCombineKernel}, built once per distinct arguments. */
export const attentionCombineKernel = memoKernel(buildAttentionCombineKernel);

/**
 * `out[t, r] = sum_c W[r, c] * x[t, c]` with W dequantized in the shader (via the type's `dq32`, or its
 * 16-byte `chunkWgsl` layout where it has one).
 *
 * - Matrix-vector, decode (n <= 8): invocations walk a row's 32-value groups side by side (adjacent
 *   invocations read adjacent blocks), so each weight is read once and shared by up to 8 tokens; partial
 *   sums meet in a workgroup reduction. Long rows ({@link matvecRowsKernel}): a workgroup takes several
 *   rows and loads each activation group once for all of them. Short rows ({@link matvecKernel}): several
 *   rows share a workgroup.
 * - Tiled ({@link tiledMatmulKernel}, prefill): a workgroup computes 64 rows x 32 tokens; per step of 32
 *   columns it dequantizes a 64 x 32 weight tile and loads a 32 x 32 activation tile into workgroup
 *   memory, then every invocation accumulates 2 rows x 4 tokens.
 * Both handle one piece of a weight split across buffers: rows `row0 ..` of the output.
 */
import { DEQUANT_HELPERS, type GpuWeightFormat } from '../quant/format.js';
import {
  enables,
  type KernelSpec,
  LINEAR_WG,
  laneBuiltins,
  memoKernel,
  paramsWgsl,
  type ShaderCaps,
} from './kernel.js';

export const MATVEC_WG = 64;
/** Token counts with a matrix-vector variant; larger batches use the tiled kernel. */
export const MATVEC_TOKENS = [1, 2, 4, 8] as const;
export const TILE_ROWS = 64;
export const TILE_TOKENS = 32;

const PARAMS = [
  ['n', 'u32'],
  ['cols', 'u32'],
  ['groups', 'u32'],
  ['rows', 'u32'],
  ['row0', 'u32'],
  ['out_stride', 'u32'],
  ['row_words', 'u32'],
] as const;

const BINDINGS = /* wgsl */ `
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>;`;

/** The weights as 16-byte words, for formats with a {@link GpuWeightFormat.chunkWgsl}. */
const CHUNK_BINDINGS = /* wgsl */ `
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> wv: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>;`;

/** Chunks for formats without their own: chunk g is group g, values 32g .. 32g + 31 in order. */
const GROUP_CHUNKS = /* wgsl */ `
fn chunk_cols(g: u32) -> vec2<u32> { return vec2<u32>(8u * g, 8u * g + 4u); }
fn dq_chunk(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>) { dq32(rw, g, v); }`;

/**
 * Invocations per weight row: the row's group count rounded up to a power of two, at most the workgroup
 * (short rows share a workgroup instead of leaving most of it idle).
 */
export function matvecThreadsPerRow(groups: number): number {
  let t = 1;
  while (t < groups && t < MATVEC_WG) t *= 2;
  return t;
}

/**
 * Bindings: (out, weight piece, x). `nt`: tokens per dispatch (one of {@link MATVEC_TOKENS}); `tpr`:
 * invocations per row ({@link matvecThreadsPerRow}); a workgroup handles `64 / tpr` rows.
 */
function buildMatvecKernel(f: GpuWeightFormat, nt: number, caps: ShaderCaps, tpr = MATVEC_WG): KernelSpec {
  const rpw = MATVEC_WG / tpr;
  // Partial sums of all tokens are reduced together (few barriers: they are costly on CPU drivers).
  // A whole-workgroup row with subgroups: subgroupAdd, then one barrier to combine the subgroups.
  // Otherwise a tree over each row's segment of the workgroup.
  const useSubgroups = caps.subgroups && tpr === MATVEC_WG;
  const lanes = laneBuiltins({ ...caps, subgroups: useSubgroups });
  const reduction = useSubgroups
    ? /* wgsl */ `
  for (var t = 0u; t < ${nt}u; t++) {
    let s = subgroupAdd(acc[t]);
    if (sg_lane == 0u) { red[lid / sg_size][t] = s; }
  }
  workgroupBarrier();
  if (lid == 0u) {
    let nsg = (${MATVEC_WG}u + sg_size - 1u) / sg_size;
    for (var t = 0u; t < min(${nt}u, p.n); t++) {
      var total = 0.0;
      for (var i = 0u; i < nsg; i++) { total += red[i][t]; }
      o[t * p.out_stride + p.row0 + r] = total;
    }
  }`
    : /* wgsl */ `
  red[lid] = acc;
  workgroupBarrier();
  for (var s = ${tpr / 2}u; s > 0u; s >>= 1u) {
    if ((lid % ${tpr}u) < s) {
      for (var t = 0u; t < ${nt}u; t++) { red[lid][t] += red[lid + s][t]; }
    }
    workgroupBarrier();
  }
  if (lid % ${tpr}u == 0u && valid) {
    for (var t = 0u; t < min(${nt}u, p.n); t++) { o[t * p.out_stride + p.row0 + r] = red[lid][t]; }
  }`;
  const code = /* wgsl */ `${enables({ ...caps, subgroups: useSubgroups })}${paramsWgsl(PARAMS)}${BINDINGS}
${DEQUANT_HELPERS}
${f.wgsl}
var<workgroup> red: array<array<f32, ${nt}>, ${MATVEC_WG}>;
${lanes.decls}
@compute @workgroup_size(${MATVEC_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${lanes.args}) {
  ${lanes.init}
  let r0 = (${LINEAR_WG}) * ${rpw}u;
  if (r0 >= p.rows) { return; }
  let r = r0 + lid / ${tpr}u;
  let valid = r < p.rows;
  let rw = r * p.row_words;
  var acc: array<f32, ${nt}>;
  var v: array<vec4<f32>, 8>;
  if (valid) {
    for (var g = lid % ${tpr}u; g < p.groups; g += ${tpr}u) {
      dq32(rw, g, &v);
      for (var t = 0u; t < ${nt}u; t++) {
        if (t < p.n) {
          let xb = (t * p.cols + g * 32u) / 4u;
          var s = 0.0;
          for (var k = 0u; k < 8u; k++) { s += dot(v[k], x[xb + k]); }
          acc[t] += s;
        }
      }
    }
  }${reduction}
}
`;
  return {
    key: `matvec:${f.type}:${nt}:${tpr}:${useSubgroups}`,
    code,
    bindings: ['rw', 'read', 'read'],
    params: PARAMS,
  };
}

/** How a long-row matrix-vector kernel divides the work (see {@link matvecRowsKernel}). */
export interface MatvecShape {
  /** Invocations per workgroup; they walk a row's 32-value groups side by side. */
  readonly workgroupSize: number;
  /** Weight rows per workgroup: each activation group an invocation loads serves this many rows. */
  readonly rows: number;
}

/** Workgroup memory a kernel may use everywhere (WebGPU's default maxComputeWorkgroupStorageSize). */
const WORKGROUP_BYTES = 16384;

/**
 * Matrix-vector product for rows of at least `workgroupSize` groups: a workgroup takes `rows` weight rows,
 * its invocations walk the groups side by side, and each loads its activation group once for all of
 * them (with one token, into registers). Every invocation keeps `rows x nt` partial sums; they meet in
 * one reduction at the end (subgroup sums, then one barrier). Bindings: (out, weight piece, x); grid:
 * ceil(rows / shape.rows) workgroups.
 */
function buildMatvecRowsKernel(f: GpuWeightFormat, nt: number, caps: ShaderCaps, shape: MatvecShape): KernelSpec {
  const wg = shape.workgroupSize;
  const R = shape.rows;
  const sums = R * nt;
  // WebGPU subgroups have at least 4 invocations, so at most wg / 4 subgroup partials per sum.
  const slots = caps.subgroups ? Math.max(1, wg / 4) : wg;
  if (slots * sums * 4 > WORKGROUP_BYTES)
    throw new RangeError(
      `matvec ${wg}x${R} rows x ${nt} tokens needs more than ${WORKGROUP_BYTES} bytes of workgroup memory`,
    );
  const lanes = laneBuiltins(caps);
  // Chunk g (32 values) of a row: its two 16-value halves start at activation vec4s h.x and h.y.
  const chunked = f.chunkWgsl !== undefined;
  const rowBase = chunked ? 'p.row_words / 4u' : 'p.row_words';
  const accumulate =
    nt === 1
      ? /* wgsl */ `
    let h = chunk_cols(g);
    var xv: array<vec4<f32>, 8>;
    for (var k = 0u; k < 4u; k++) {
      xv[k] = x[h.x + k];
      xv[k + 4u] = x[h.y + k];
    }
    for (var j = 0u; j < ${R}u; j++) {
      dq_chunk(min(r0 + j, p.rows - 1u) * ${rowBase}, g, &v);
      var s = 0.0;
      for (var k = 0u; k < 8u; k++) { s += dot(v[k], xv[k]); }
      acc[j] += s;
    }`
      : /* wgsl */ `
    let h = chunk_cols(g);
    for (var j = 0u; j < ${R}u; j++) {
      dq_chunk(min(r0 + j, p.rows - 1u) * ${rowBase}, g, &v);
      for (var t = 0u; t < ${nt}u; t++) {
        if (t < p.n) {
          let xb = t * p.cols / 4u;
          var s = 0.0;
          for (var k = 0u; k < 4u; k++) { s += dot(v[k], x[xb + h.x + k]) + dot(v[k + 4u], x[xb + h.y + k]); }
          acc[j * ${nt}u + t] += s;
        }
      }
    }`;
  const store = /* wgsl */ `
      let j = i / ${nt}u;
      let t = i % ${nt}u;
      if (t < p.n && r0 + j < p.rows) { o[t * p.out_stride + p.row0 + r0 + j] = total; }`;
  const reduction = caps.subgroups
    ? /* wgsl */ `
  for (var i = 0u; i < ${sums}u; i++) {
    let s = subgroupAdd(acc[i]);
    if (sg_lane == 0u) { red[lid / sg_size][i] = s; }
  }
  workgroupBarrier();
  let nsg = (${wg}u + sg_size - 1u) / sg_size;
  for (var i = lid; i < ${sums}u; i += ${wg}u) {
    var total = 0.0;
    for (var k = 0u; k < nsg; k++) { total += red[k][i]; }${store}
  }`
    : /* wgsl */ `
  red[lid] = acc;
  workgroupBarrier();
  for (var h = ${wg / 2}u; h > 0u; h >>= 1u) {
    if (lid < h) {
      for (var i = 0u; i < ${sums}u; i++) { red[lid][i] += red[lid + h][i]; }
    }
    workgroupBarrier();
  }
  for (var i = lid; i < ${sums}u; i += ${wg}u) {
    let total = red[0][i];${store}
  }`;
  // A chunked format reads its weights as vec4s (16-byte loads); the others go through dq32.
  const weights = chunked
    ? `${CHUNK_BINDINGS}\n${f.chunkWgsl}`
    : `${BINDINGS}\n${DEQUANT_HELPERS}\n${f.wgsl}\n${GROUP_CHUNKS}`;
  const code = /* wgsl */ `${enables(caps)}${paramsWgsl(PARAMS)}${weights}
var<workgroup> red: array<array<f32, ${sums}>, ${slots}>;
${lanes.decls}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${lanes.args}) {
  ${lanes.init}
  let r0 = (${LINEAR_WG}) * ${R}u;
  if (r0 >= p.rows) { return; }
  var acc: array<f32, ${sums}>;
  var v: array<vec4<f32>, 8>;
  for (var g = lid; g < p.groups; g += ${wg}u) {${accumulate}
  }${reduction}
}
`;
  return {
    key: `matvec-rows:${f.type}:${nt}:${wg}:${R}:${caps.subgroups}:${chunked}`,
    code,
    bindings: ['rw', 'read', 'read'],
    params: PARAMS,
  };
}

/** {@link buildMatvecRowsKernel}, built once per distinct arguments. */
export const matvecRowsKernel = memoKernel(buildMatvecRowsKernel);

/** Bindings: (out, weight piece, x). Grid: (ceil(rows / 64), ceil(n / 32)). */
function buildTiledMatmulKernel(f: GpuWeightFormat): KernelSpec {
  const code = /* wgsl */ `${paramsWgsl(PARAMS)}${BINDINGS}
${DEQUANT_HELPERS}
${f.wgsl}
var<workgroup> ws: array<array<f32, 33>, ${TILE_ROWS}>;          // [row][k]
var<workgroup> xs: array<array<vec4<f32>, ${TILE_TOKENS / 4}>, 32>; // [k][token / 4], 4 tokens per vec4
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r0 = wid.x * ${TILE_ROWS}u;
  let t0 = wid.y * ${TILE_TOKENS}u;
  let tr = lid % 32u;          // rows tr and tr + 32 of the tile
  let tt = lid / 32u;          // tokens 4 tt .. 4 tt + 3 of the tile
  let xt = lid / 8u;           // activation tile loader: token xt, columns 4 (lid % 8) ..
  let xk = 4u * (lid % 8u);
  var acc0 = vec4<f32>(0.0);   // row tr, 4 tokens
  var acc1 = vec4<f32>(0.0);   // row tr + 32
  var v: array<vec4<f32>, 8>;
  for (var g = 0u; g < p.groups; g++) {
    if (lid < ${TILE_ROWS}u) {
      if (r0 + lid < p.rows) {
        dq32((r0 + lid) * p.row_words, g, &v);
      } else {
        for (var k = 0u; k < 8u; k++) { v[k] = vec4<f32>(0.0); }
      }
      for (var k = 0u; k < 8u; k++) {
        ws[lid][4u * k] = v[k].x;
        ws[lid][4u * k + 1u] = v[k].y;
        ws[lid][4u * k + 2u] = v[k].z;
        ws[lid][4u * k + 3u] = v[k].w;
      }
    }
    var xv = vec4<f32>(0.0);
    if (t0 + xt < p.n) { xv = x[((t0 + xt) * p.cols + g * 32u + xk) / 4u]; }
    xs[xk][xt / 4u][xt % 4u] = xv.x;
    xs[xk + 1u][xt / 4u][xt % 4u] = xv.y;
    xs[xk + 2u][xt / 4u][xt % 4u] = xv.z;
    xs[xk + 3u][xt / 4u][xt % 4u] = xv.w;
    workgroupBarrier();
    for (var k = 0u; k < 32u; k++) {
      let xk4 = xs[k][tt];
      acc0 += ws[tr][k] * xk4;
      acc1 += ws[tr + 32u][k] * xk4;
    }
    workgroupBarrier();
  }
  for (var j = 0u; j < 4u; j++) {
    let t = t0 + 4u * tt + j;
    if (t < p.n) {
      let ob = t * p.out_stride + p.row0 + r0;
      if (r0 + tr < p.rows) { o[ob + tr] = acc0[j]; }
      if (r0 + tr + 32u < p.rows) { o[ob + tr + 32u] = acc1[j]; }
    }
  }
}
`;
  return { key: `tiled:${f.type}`, code, bindings: ['rw', 'read', 'read'], params: PARAMS };
}

/** {@link buildMatvecKernel}, built once per distinct arguments. */
export const matvecKernel = memoKernel(buildMatvecKernel);

/** {@link buildTiledMatmulKernel}, built once per distinct arguments. */
export const tiledMatmulKernel = memoKernel(buildTiledMatmulKernel);

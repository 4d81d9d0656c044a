/**
 * Get-rows (embedding lookup) of any weight type: one workgroup per output row, one invocation per
 * group of 32 values. A weight split across buffers is handled one piece per dispatch: each dispatch
 * writes only the rows whose id falls in its piece. `identity` mode reads rows `ids_off ..` in order
 * (weight read-back) instead of ids from the arena.
 */
import { DEQUANT_HELPERS, type GpuWeightFormat } from '../quant/format.js';
import { type KernelSpec, LINEAR_WG, memoKernel, paramsWgsl } from './kernel.js';

export const GETROWS_WG = 64;

/** Bindings: (out rw vec4, weight piece, arena). */
function buildGetRowsKernel(f: GpuWeightFormat): KernelSpec {
  const params = [
    ['n', 'u32'],
    ['cols', 'u32'],
    ['groups', 'u32'],
    ['row0', 'u32'],
    ['rows', 'u32'],
    ['row_words', 'u32'],
    ['ids_off', 'u32'],
    ['identity', 'u32'],
  ] as const;
  const code = /* wgsl */ `${paramsWgsl(params)}
@group(0) @binding(1) var<storage, read_write> o: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> arena: array<u32>;
${DEQUANT_HELPERS}
${f.wgsl}
@compute @workgroup_size(${GETROWS_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = ${LINEAR_WG};
  if (i >= p.n) { return; }
  var id = p.ids_off + i; // identity mode: rows ids_off, ids_off + 1, ...
  if (p.identity == 0u) { id = arena[p.ids_off + i]; }
  if (id < p.row0 || id >= p.row0 + p.rows) { return; }
  let rw = (id - p.row0) * p.row_words;
  var v: array<vec4<f32>, 8>;
  for (var g = lid; g < p.groups; g += ${GETROWS_WG}u) {
    dq32(rw, g, &v);
    let ob = (i * p.cols + g * 32u) / 4u;
    for (var k = 0u; k < 8u; k++) { o[ob + k] = v[k]; }
  }
}
`;
  return { key: `getrows:${f.type}`, code, bindings: ['rw', 'read', 'read'], params };
}

/** {@link buildGetRowsKernel}, built once per distinct arguments. */
export const getRowsKernel = memoKernel(buildGetRowsKernel);

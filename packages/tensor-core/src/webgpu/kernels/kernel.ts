/**
 * What a compute kernel is to the backend: WGSL source, the kinds of its bindings, and its parameter
 * struct. Binding 0 is always the parameter struct (a uniform with a dynamic offset into the per-frame
 * arena); bindings 1.. are the buffers listed in {@link KernelSpec.bindings}, in order.
 */

/** What the device lets kernels use. */
export interface ShaderCaps {
  /** `shader-f16`: f16 storage and arithmetic in WGSL. */
  readonly f16: boolean;
  /** `subgroups`: subgroupAdd / subgroupMax for reductions. */
  readonly subgroups: boolean;
}

/** `read`: read-only storage; `rw`: read-write storage. */
export type BindingKind = 'read' | 'rw';

export type ParamType = 'u32' | 'i32' | 'f32';

export interface KernelSpec {
  /** Unique per distinct source: the pipeline cache key. */
  readonly key: string;
  readonly code: string;
  readonly bindings: readonly BindingKind[];
  /** Parameter struct fields in order (each 4 bytes). */
  readonly params: readonly (readonly [string, ParamType])[];
}

/**
 * Wraps a kernel builder so that each distinct argument list builds its spec once. Ops look their kernel
 * up on every call, and assembling the WGSL source costs more than recording the dispatch (measured: 10
 * of 12 us per decode matmul on the CPU). Arguments are compared as a Map key each: values for primitives,
 * identity for objects (the backend's one `caps` object, the registry's formats), so the cache stays small.
 */
export function memoKernel<A extends unknown[]>(build: (...args: A) => KernelSpec): (...args: A) => KernelSpec {
  type Node = Map<unknown, Node> & { spec?: KernelSpec };
  const root: Node = new Map();
  return (...args: A) => {
    let node = root;
    for (const a of args) {
      let next = node.get(a);
      if (!next) {
        next = new Map();
        node.set(a, next);
      }
      node = next;
    }
    node.spec ??= build(...args);
    return node.spec;
  };
}

/** Bytes reserved per dispatch for its parameters (the usual minUniformBufferOffsetAlignment). */
export const PARAM_SLOT_BYTES = 256;

/** The WGSL `struct Params` and its binding for a field list. */
export function paramsWgsl(fields: KernelSpec['params']): string {
  const body = fields.map(([n, t]) => `  ${n}: ${t},`).join('\n');
  return `struct Params {\n${body || '  unused: u32,'}\n}\n@group(0) @binding(0) var<uniform> p: Params;\n`;
}

/** Writes parameter values into `dst` (a u32 view at the slot) in field order. */
export function packParams(
  fields: KernelSpec['params'],
  values: Readonly<Record<string, number>>,
  u32: Uint32Array,
  f32: Float32Array,
  i32: Int32Array,
  at: number,
): void {
  for (let i = 0; i < fields.length; i++) {
    const [name, type] = fields[i];
    const v = values[name];
    if (v === undefined) throw new Error(`kernel parameter ${name} missing`);
    if (type === 'f32') f32[at + i] = v;
    else if (type === 'i32') i32[at + i] = v;
    else u32[at + i] = v;
  }
}

/** `enable` directives for the features a shader uses. */
export function enables(caps: ShaderCaps, useF16 = false): string {
  return `${useF16 && caps.f16 ? 'enable f16;\n' : ''}${caps.subgroups ? 'enable subgroups;\n' : ''}`;
}

/**
 * Extra entry-point builtins for the reductions (`args`), the statements that store them (`init`), and the
 * module-scope variables they are stored in (`decls`, which {@link reductionsWgsl} already includes).
 */
export function laneBuiltins(caps: ShaderCaps): { args: string; init: string; decls: string } {
  return caps.subgroups
    ? {
        args: ', @builtin(subgroup_invocation_id) sg_lane_in: u32, @builtin(subgroup_size) sg_size_in: u32',
        init: 'sg_lane = sg_lane_in; sg_size = sg_size_in;',
        decls: 'var<private> sg_lane: u32;\nvar<private> sg_size: u32;',
      }
    : { args: '', init: '', decls: '' };
}

/**
 * Workgroup-wide sum and max of one f32 per invocation (`wg_sum(v, lid)`, `wg_max(v, lid)`), for a
 * workgroup of `wg` invocations. Every invocation must call them (they contain barriers) and gets the result.
 * With subgroups each subgroup reduces in registers first; without, a tree in workgroup memory.
 */
export function reductionsWgsl(wg: number, caps: ShaderCaps): string {
  if (caps.subgroups) {
    return /* wgsl */ `
var<workgroup> red_buf: array<f32, ${wg}>;
${laneBuiltins(caps).decls}
fn wg_combine(s: f32, lid: u32, is_max: bool) -> f32 {
  if (sg_lane == 0u) { red_buf[lid / sg_size] = s; }
  workgroupBarrier();
  var t = red_buf[0];
  let n = (${wg}u + sg_size - 1u) / sg_size;
  for (var i = 1u; i < n; i++) { t = select(t + red_buf[i], max(t, red_buf[i]), is_max); }
  workgroupBarrier();
  return t;
}
fn wg_sum(v: f32, lid: u32) -> f32 { return wg_combine(subgroupAdd(v), lid, false); }
fn wg_max(v: f32, lid: u32) -> f32 { return wg_combine(subgroupMax(v), lid, true); }
`;
  }
  return /* wgsl */ `
var<workgroup> red_buf: array<f32, ${wg}>;
fn wg_tree(v: f32, lid: u32, is_max: bool) -> f32 {
  red_buf[lid] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let o = red_buf[lid + s];
      red_buf[lid] = select(red_buf[lid] + o, max(red_buf[lid], o), is_max);
    }
    workgroupBarrier();
  }
  let t = red_buf[0];
  workgroupBarrier();
  return t;
}
fn wg_sum(v: f32, lid: u32) -> f32 { return wg_tree(v, lid, false); }
fn wg_max(v: f32, lid: u32) -> f32 { return wg_tree(v, lid, true); }
`;
}

/** Workgroup counts for `groups` workgroups, folded into 2D past the per-dimension limit. */
export function grid(groups: number, maxPerDim = 65535): [number, number, number] {
  if (groups <= maxPerDim) return [Math.max(1, groups), 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL expression of the linear workgroup index for {@link grid} dispatches (`wid`, `nwg` builtins). */
export const LINEAR_WG = 'wid.x + wid.y * nwg.x';

/**
 * Element-wise kernels over the first `count` values: add (`out = a + b`) and SwiGLU
 * (`out = silu(gate) * up`). When `out` is the first input the kernel binds it once, read-write
 * (WebGPU forbids binding one buffer as writable storage twice in a dispatch).
 */
import { grid, type KernelSpec, LINEAR_WG, memoKernel, paramsWgsl } from './kernel.js';

export const ELEMENTWISE_WG = 256;

export type ElementwiseOp = 'add' | 'swiglu';

const EXPR: Record<ElementwiseOp, string> = {
  add: 'x + y',
  swiglu: 'x / (1.0 + exp(-x)) * y',
};

/** `inPlace`: bindings (out/a, b); otherwise (out, a, b). */
function buildElementwiseKernel(op: ElementwiseOp, inPlace: boolean): KernelSpec {
  const params = [['count', 'u32']] as const;
  const bindings = inPlace
    ? `@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;`
    : `@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;`;
  const code = /* wgsl */ `${paramsWgsl(params)}
${bindings}
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (${LINEAR_WG}) * ${ELEMENTWISE_WG}u + lid;
  if (i >= p.count) { return; }
  let x = ${inPlace ? 'o' : 'a'}[i];
  let y = b[i];
  o[i] = ${EXPR[op]};
}
`;
  return { key: `ew:${op}:${inPlace}`, code, bindings: inPlace ? ['rw', 'read'] : ['rw', 'read', 'read'], params };
}

export function elementwiseGrid(count: number): [number, number, number] {
  return grid(Math.ceil(count / ELEMENTWISE_WG));
}

/** {@link buildElementwiseKernel}, built once per distinct arguments. */
export const elementwiseKernel = memoKernel(buildElementwiseKernel);

/**
 * RMSNorm, one workgroup per row: `out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * weight`.
 * In place (`out` = `x`) binds the row buffer once.
 */
import {
  enables,
  type KernelSpec,
  LINEAR_WG,
  laneBuiltins,
  memoKernel,
  paramsWgsl,
  reductionsWgsl,
  type ShaderCaps,
} from './kernel.js';

export const RMSNORM_WG = 256;

/**
 * Bindings: (out, x, weight), or (out/x, weight) in place. With `vec4` (rows of a multiple of 4 values)
 * every access is a 16-byte load: a 4096-value row is 4 loads per invocation per pass instead of 16, a
 * shorter chain of dependent loads for the one workgroup a decode step runs.
 */
function buildRmsNormKernel(caps: ShaderCaps, inPlace: boolean, vec4 = false): KernelSpec {
  const params = [
    ['cols', 'u32'],
    ['eps', 'f32'],
  ] as const;
  const lanes = laneBuiltins(caps);
  const e = vec4 ? 'vec4<f32>' : 'f32';
  const decl = inPlace
    ? `@group(0) @binding(1) var<storage, read_write> o: array<${e}>;
@group(0) @binding(2) var<storage, read> g: array<${e}>;`
    : `@group(0) @binding(1) var<storage, read_write> o: array<${e}>;
@group(0) @binding(2) var<storage, read> x: array<${e}>;
@group(0) @binding(3) var<storage, read> g: array<${e}>;`;
  const src = inPlace ? 'o' : 'x';
  const width = vec4 ? 4 : 1;
  const code = /* wgsl */ `${enables(caps)}${paramsWgsl(params)}
${decl}
${reductionsWgsl(RMSNORM_WG, caps)}
@compute @workgroup_size(${RMSNORM_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${lanes.args}) {
  ${lanes.init}
  let len = p.cols / ${width}u; // elements of the row
  let base = (${LINEAR_WG}) * len;
  var ss = 0.0;
  for (var c = lid; c < len; c += ${RMSNORM_WG}u) {
    let v = ${src}[base + c];
    ss += ${vec4 ? 'dot(v, v)' : 'v * v'};
  }
  let total = wg_sum(ss, lid);
  let scale = 1.0 / sqrt(total / f32(p.cols) + p.eps);
  for (var c = lid; c < len; c += ${RMSNORM_WG}u) {
    o[base + c] = ${src}[base + c] * scale * g[c];
  }
}
`;
  return {
    key: `rmsnorm:${inPlace}:${caps.subgroups}:${vec4}`,
    code,
    bindings: inPlace ? ['rw', 'read'] : ['rw', 'read', 'read'],
    params,
  };
}

/** {@link buildRmsNormKernel}, built once per distinct arguments. */
export const rmsNormKernel = memoKernel(buildRmsNormKernel);

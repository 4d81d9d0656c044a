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

/** Bindings: (out, x, weight), or (out/x, weight) in place. */
function buildRmsNormKernel(caps: ShaderCaps, inPlace: boolean): KernelSpec {
  const params = [
    ['cols', 'u32'],
    ['eps', 'f32'],
  ] as const;
  const lanes = laneBuiltins(caps);
  const decl = inPlace
    ? `@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;`
    : `@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;`;
  const src = inPlace ? 'o' : 'x';
  const code = /* wgsl */ `${enables(caps)}${paramsWgsl(params)}
${decl}
${reductionsWgsl(RMSNORM_WG, caps)}
@compute @workgroup_size(${RMSNORM_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32${lanes.args}) {
  ${lanes.init}
  let base = (${LINEAR_WG}) * p.cols;
  var ss = 0.0;
  for (var c = lid; c < p.cols; c += ${RMSNORM_WG}u) {
    let v = ${src}[base + c];
    ss += v * v;
  }
  let total = wg_sum(ss, lid);
  let scale = 1.0 / sqrt(total / f32(p.cols) + p.eps);
  for (var c = lid; c < p.cols; c += ${RMSNORM_WG}u) {
    o[base + c] = ${src}[base + c] * scale * g[c];
  }
}
`;
  return {
    key: `rmsnorm:${inPlace}:${caps.subgroups}`,
    code,
    bindings: inPlace ? ['rw', 'read'] : ['rw', 'read', 'read'],
    params,
  };
}

/** {@link buildRmsNormKernel}, built once per distinct arguments. */
export const rmsNormKernel = memoKernel(buildRmsNormKernel);

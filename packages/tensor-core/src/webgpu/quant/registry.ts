/** The single table of weight types the WebGPU kernels can dequantize. */
import type { GgmlType } from '@llamats/gguf-format';
import { bf16Gpu, f16Gpu, f32Gpu } from './float.js';
import type { GpuWeightFormat } from './format.js';
import { iq4_xsGpu, q2_KGpu, q3_KGpu, q4_KGpu, q5_KGpu, q6_KGpu } from './k-quants.js';
import { iq4_nlGpu, q4_0Gpu, q4_1Gpu, q5_0Gpu, q5_1Gpu, q8_0Gpu } from './legacy.js';

const FORMATS = new Map<GgmlType, GpuWeightFormat>(
  [
    f32Gpu,
    f16Gpu,
    bf16Gpu,
    q8_0Gpu,
    q4_0Gpu,
    q4_1Gpu,
    q5_0Gpu,
    q5_1Gpu,
    q2_KGpu,
    q3_KGpu,
    q4_KGpu,
    q5_KGpu,
    q6_KGpu,
    iq4_nlGpu,
    iq4_xsGpu,
  ].map((f) => [f.type, f]),
);

/** The GPU layout of a weight type, or undefined when the WebGPU backend cannot compute with it. */
export function gpuWeightFormat(type: GgmlType): GpuWeightFormat | undefined {
  return FORMATS.get(type);
}

/** Types the WebGPU kernels support, in id order. */
export function gpuWeightTypes(): GgmlType[] {
  return [...FORMATS.keys()].sort((a, b) => a - b);
}

/** The WebGPU backend's public API. */
export {
  isFallbackAdapter,
  isWebGpuAvailable,
  type WebGpuAvailabilityOptions,
  type WebGpuBackendOptions,
} from './acquire.js';
export {
  GpuDeviceLostError,
  GpuInternalError,
  GpuLimitError,
  GpuOutOfMemoryError,
  WebGpuUnavailableError,
} from './errors.js';
export type { MatvecShape } from './kernels/matmul.js';
export { gpuWeightTypes } from './quant/registry.js';
export { createWebGpuBackend, DEFAULT_MATVEC_SHAPE, WebGpuBackend } from './webgpu-backend.js';

export * from './backend.js';
export { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, halfToFloatTable } from './f16.js';
export type { QuantFormat } from './quant/format.js';
export { KVALUES_IQ4NL } from './quant/iq4_nl.js';
export {
  dequantize,
  QuantFormatError,
  quantFormat,
  quantizableWeightTypes,
  quantize,
  registerQuantFormat,
  supportedWeightTypes,
} from './quant/registry.js';
export { ReferenceBackend } from './reference-backend.js';
export type { DecodeTuning, DecodeVariant } from './wasm/decode-tuner.js';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './wasm/wasm-backend.js';
export * from './webgpu/index.js';

export { convertRows, inlineRowConverter, type RowConversion, type RowConverter } from './convert-rows.js';
export { QuantizeError } from './errors.js';
export { type LlamaFileType, type LlamaFileTypeName, llamaFileType, llamaFileTypes } from './file-types.js';
export {
  GGML_QUANTIZATION_VERSION,
  type QuantizedTensor,
  type QuantizeOptions,
  type QuantizeProgress,
  type QuantizeSummary,
  quantizedMetadata,
  quantizeModel,
} from './quantize-model.js';
export {
  allowsQuantization,
  chooseTensorTypes,
  llamaTensorOrder,
  type ModelShape,
  readModelShape,
  roleOf,
  type TensorRole,
  type TensorTypeChoice,
} from './tensor-types.js';

export * from './accessors.js';
export * from './byte-source.js';
export * from './errors.js';
export * from './ggml-types.js';
export * from './llama-hparams.js';
export * from './metadata.js';
export {
  GGML_MAX_DIMS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  type GgufFile,
  type GgufTensorInfo,
  type ParseOptions,
  parseGguf,
} from './reader.js';

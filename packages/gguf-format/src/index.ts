export * from './accessors.js';
export * from './byte-source.js';
export * from './describe.js';
export * from './errors.js';
export * from './ggml-types.js';
export * from './llama-hparams.js';
export * from './metadata.js';
export * from './open-url.js';
export {
  alignUp,
  GGML_MAX_DIMS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_SUPPORTED_VERSIONS,
  type GgufFile,
  type GgufTensorInfo,
  type ParseOptions,
  parseGguf,
} from './reader.js';
export * from './split.js';
export * from './tensor-data.js';
export * from './writer.js';

export { type BackendChoice, type BackendOptions, createBackend } from './backends.js';
export { Chat, type ChatOptions } from './chat.js';
export * from './errors.js';
export { type FinishReason, type GeneratedPiece, Generation, type GenerationResult } from './generation.js';
export {
  type GenerateOptions,
  type LoadOptions,
  type LoadProgressEvent,
  loadModel,
  Model,
  Session,
  type SessionOptions,
} from './model.js';
export { type ModelInput, openSource } from './source.js';
export { StopStringMatcher } from './stop-strings.js';

export { type LlamaConfig, readLlamaConfig } from './config.js';
export { type ContextOptions, defaultContextSize, type EvaluateOptions, LlamaContext } from './context.js';
export * from './errors.js';
export { type ForwardState, forward } from './forward.js';
export { LlamaModel, type LoadModelOptions } from './model.js';
export * from './perplexity.js';
export * from './quantize/index.js';
export { type LlamaLayerWeights, type LlamaWeights, type LoadProgress, loadWeights, planWeights } from './weights.js';
export { yieldToEventLoop } from './yield.js';

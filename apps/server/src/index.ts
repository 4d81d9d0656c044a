export { HttpError } from './http-util.js';
export type { MetricsSnapshot } from './metrics.js';
export {
  createServer,
  type GenerationEndEvent,
  type ListenOptions,
  LlamatsServer,
  type ServerOptions,
  startServer,
} from './server.js';
export {
  type ChatCompletionMessage,
  type ChatCompletionRequest,
  type CompletionRequest,
  type OpenAiErrorBody,
  RequestValidationError,
  type ResponseFormat,
  type SamplingRequest,
  validateChatCompletionRequest,
  validateCompletionRequest,
} from './validate.js';

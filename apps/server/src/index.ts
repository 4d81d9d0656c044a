export {
  type ChatCompletionRequest,
  type OpenAiErrorBody,
  RequestValidationError,
  validateChatCompletionRequest,
} from './validate.js';

/**
 * Validation of OpenAI `POST /v1/chat/completions` bodies, producing OpenAI-style error bodies
 * (`{ error: { message, type, param, code } }`) that the official clients understand.
 * The HTTP server itself is the next step of this app (see README).
 */

export interface ChatCompletionRequest {
  model?: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stream?: boolean;
  stop?: string | string[];
  seed?: number;
}

export interface OpenAiErrorBody {
  error: { message: string; type: 'invalid_request_error'; param: string | null; code: string | null };
}

export class RequestValidationError extends Error {
  constructor(
    readonly param: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'RequestValidationError';
  }
  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: 'invalid_request_error', param: this.param, code: null } };
  }
}

function numberIn(body: Record<string, unknown>, key: string, min: number, max: number): void {
  const v = body[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
    throw new RequestValidationError(
      key,
      `'${key}' must be a number between ${min} and ${max}, got ${JSON.stringify(v)}`,
    );
  }
}

/** Checks a parsed JSON body; throws {@link RequestValidationError} naming the offending parameter. */
export function validateChatCompletionRequest(body: unknown): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestValidationError(null, 'The request body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    throw new RequestValidationError('messages', "'messages' must be a non-empty array");
  }
  b.messages.forEach((m, i) => {
    const msg = m as Record<string, unknown>;
    if (typeof m !== 'object' || m === null || !['system', 'user', 'assistant'].includes(msg.role as string)) {
      throw new RequestValidationError(
        `messages[${i}].role`,
        `messages[${i}].role must be 'system', 'user' or 'assistant'`,
      );
    }
    if (typeof msg.content !== 'string') {
      throw new RequestValidationError(`messages[${i}].content`, `messages[${i}].content must be a string`);
    }
  });
  numberIn(b, 'temperature', 0, 2);
  numberIn(b, 'top_p', 0, 1);
  numberIn(b, 'max_tokens', 1, Number.MAX_SAFE_INTEGER);
  if (b.stream !== undefined && typeof b.stream !== 'boolean')
    throw new RequestValidationError('stream', "'stream' must be a boolean");
  const stop = b.stop;
  if (
    stop !== undefined &&
    typeof stop !== 'string' &&
    !(Array.isArray(stop) && stop.every((s) => typeof s === 'string') && stop.length <= 4)
  ) {
    throw new RequestValidationError('stop', "'stop' must be a string or an array of up to 4 strings");
  }
  return b as unknown as ChatCompletionRequest;
}

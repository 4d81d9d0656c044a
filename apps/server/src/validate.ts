/**
 * Validation of OpenAI `POST /v1/chat/completions` and `POST /v1/completions` bodies, producing OpenAI-style
 * error bodies (`{ error: { message, type, param, code } }`) that the official clients understand.
 * Unknown fields are ignored (clients send extras); known fields with a value this server cannot honour are
 * rejected with a message that says so.
 */

/** One message after validation: text parts joined, `developer` read as `system`. */
export interface ChatCompletionMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name?: string; schema?: unknown; strict?: boolean | null } };

/** Parameters both endpoints share. */
export interface SamplingRequest {
  model?: string;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  stop?: string | string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  n?: number;
  logit_bias?: Record<string, number>;
  user?: string;
  /** llama.cpp extensions. */
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
  ignore_eos?: boolean;
}

export interface ChatCompletionRequest extends SamplingRequest {
  messages: ChatCompletionMessage[];
  /** Newer name of `max_tokens`. */
  max_completion_tokens?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  response_format?: ResponseFormat;
}

export interface CompletionRequest extends SamplingRequest {
  /** Text, or token ids. */
  prompt: string | number[];
  echo?: boolean;
  /** Number of most likely alternatives per token (0..5); `null`/absent: no log-probabilities. */
  logprobs?: number | null;
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class RequestValidationError extends Error {
  constructor(
    readonly param: string | null,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'RequestValidationError';
  }
  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: 'invalid_request_error', param: this.param, code: this.code } };
  }
}

type Body = Record<string, unknown>;

function numberIn(body: Body, key: string, min: number, max: number): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
    throw new RequestValidationError(
      key,
      `'${key}' must be a number between ${min} and ${max}, got ${JSON.stringify(v)}`,
    );
  }
}

function integerIn(body: Body, key: string, min: number, max: number): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new RequestValidationError(key, `'${key}' must be an integer ${range}, got ${JSON.stringify(v)}`);
  }
}

function booleanField(body: Body, key: string): void {
  const v = body[key];
  if (v !== undefined && v !== null && typeof v !== 'boolean')
    throw new RequestValidationError(key, `'${key}' must be a boolean`);
}

function objectBody(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestValidationError(null, 'The request body must be a JSON object');
  }
  return body as Body;
}

/** `null` means "absent" for every optional OpenAI field; drop them so later code sees `undefined`. */
function withoutNulls(b: Body): Body {
  const out: Body = {};
  for (const [k, v] of Object.entries(b)) if (v !== null) out[k] = v;
  return out;
}

function validateSampling(b: Body): void {
  if (b.model !== undefined && typeof b.model !== 'string')
    throw new RequestValidationError('model', "'model' must be a string");
  numberIn(b, 'temperature', 0, 2);
  numberIn(b, 'top_p', 0, 1);
  integerIn(b, 'max_tokens', 1, Number.MAX_SAFE_INTEGER);
  numberIn(b, 'presence_penalty', -2, 2);
  numberIn(b, 'frequency_penalty', -2, 2);
  integerIn(b, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  integerIn(b, 'top_k', 0, 1 << 24);
  numberIn(b, 'min_p', 0, 1);
  numberIn(b, 'repeat_penalty', 0, 100);
  booleanField(b, 'ignore_eos');
  if (b.stream !== undefined && typeof b.stream !== 'boolean')
    throw new RequestValidationError('stream', "'stream' must be a boolean");
  const so = b.stream_options;
  if (so !== undefined) {
    if (typeof so !== 'object' || Array.isArray(so))
      throw new RequestValidationError('stream_options', "'stream_options' must be an object");
    const inc = (so as Body).include_usage;
    if (inc !== undefined && inc !== null && typeof inc !== 'boolean')
      throw new RequestValidationError(
        'stream_options.include_usage',
        "'stream_options.include_usage' must be a boolean",
      );
  }
  const stop = b.stop;
  if (
    stop !== undefined &&
    typeof stop !== 'string' &&
    !(Array.isArray(stop) && stop.every((s) => typeof s === 'string') && stop.length <= 4)
  ) {
    throw new RequestValidationError('stop', "'stop' must be a string or an array of up to 4 strings");
  }
  if (b.n !== undefined) {
    if (typeof b.n !== 'number' || !Number.isInteger(b.n) || b.n < 1)
      throw new RequestValidationError('n', `'n' must be a positive integer, got ${JSON.stringify(b.n)}`);
    if (b.n !== 1)
      throw new RequestValidationError('n', `Only n = 1 is supported (one choice per request), got ${b.n}`);
  }
  const bias = b.logit_bias;
  if (bias !== undefined) {
    if (typeof bias !== 'object' || Array.isArray(bias))
      throw new RequestValidationError('logit_bias', "'logit_bias' must be an object of token id to bias");
    for (const [k, v] of Object.entries(bias as Body)) {
      if (!/^\d+$/.test(k))
        throw new RequestValidationError('logit_bias', `logit_bias key ${JSON.stringify(k)} is not a token id`);
      if (typeof v !== 'number' || Number.isNaN(v) || v < -100 || v > 100)
        throw new RequestValidationError('logit_bias', `logit_bias[${k}] must be a number between -100 and 100`);
    }
  }
}

function messageText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        const p = part as Body;
        if (typeof part !== 'object' || part === null || p.type !== 'text' || typeof p.text !== 'string') {
          throw new RequestValidationError(
            `messages[${i}].content[${j}]`,
            `messages[${i}].content[${j}] must be a text part ({ type: 'text', text }); other parts are not supported`,
          );
        }
        return p.text;
      })
      .join('');
  }
  throw new RequestValidationError(`messages[${i}].content`, `messages[${i}].content must be a string`);
}

function responseFormat(v: unknown): ResponseFormat | undefined {
  if (v === undefined) return undefined;
  const f = v as Body;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof f.type !== 'string')
    throw new RequestValidationError('response_format', "'response_format' must be an object with a 'type'");
  if (f.type === 'text' || f.type === 'json_object') return { type: f.type };
  if (f.type === 'json_schema') {
    const js = f.json_schema as Body | undefined;
    if (typeof js !== 'object' || js === null || Array.isArray(js))
      throw new RequestValidationError(
        'response_format.json_schema',
        "response_format of type 'json_schema' needs a 'json_schema' object ({ name, schema })",
      );
    if (js.schema !== undefined && (typeof js.schema !== 'object' || js.schema === null))
      throw new RequestValidationError('response_format.json_schema.schema', "'json_schema.schema' must be an object");
    return { type: 'json_schema', json_schema: js as { name?: string; schema?: unknown } };
  }
  throw new RequestValidationError(
    'response_format.type',
    `response_format.type must be 'text', 'json_object' or 'json_schema', got ${JSON.stringify(f.type)}`,
  );
}

/** Checks a parsed JSON body; throws {@link RequestValidationError} naming the offending parameter. */
export function validateChatCompletionRequest(body: unknown): ChatCompletionRequest {
  const b = withoutNulls(objectBody(body));
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    throw new RequestValidationError('messages', "'messages' must be a non-empty array");
  }
  const messages = b.messages.map((m, i): ChatCompletionMessage => {
    const msg = m as Body;
    const role = msg?.role === 'developer' ? 'system' : msg?.role;
    if (typeof m !== 'object' || m === null || !['system', 'user', 'assistant'].includes(role as string)) {
      throw new RequestValidationError(
        `messages[${i}].role`,
        `messages[${i}].role must be 'system', 'developer', 'user' or 'assistant'`,
      );
    }
    // An assistant message may carry only tool calls (content null); this server has no tools, so require text.
    return { role: role as ChatCompletionMessage['role'], content: messageText(msg.content, i) };
  });
  validateSampling(b);
  integerIn(b, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER);
  booleanField(b, 'logprobs');
  integerIn(b, 'top_logprobs', 0, 20);
  if (b.top_logprobs !== undefined && b.logprobs !== true)
    throw new RequestValidationError('top_logprobs', "'top_logprobs' needs 'logprobs': true");
  if (b.tools !== undefined && !(Array.isArray(b.tools) && b.tools.length === 0))
    throw new RequestValidationError('tools', 'Tool calling is not supported by this server');
  return { ...b, messages, response_format: responseFormat(b.response_format) } as ChatCompletionRequest;
}

/** Checks a `POST /v1/completions` body. */
export function validateCompletionRequest(body: unknown): CompletionRequest {
  const b = withoutNulls(objectBody(body));
  let prompt: string | number[];
  const p = b.prompt;
  const isIds = (x: unknown): x is number[] =>
    Array.isArray(x) && x.length > 0 && x.every((t) => typeof t === 'number' && Number.isInteger(t) && t >= 0);
  if (typeof p === 'string') prompt = p;
  else if (isIds(p)) prompt = p;
  else if (Array.isArray(p) && p.length === 1 && (typeof p[0] === 'string' || isIds(p[0]))) prompt = p[0];
  else if (Array.isArray(p) && p.length > 1 && p.every((x) => typeof x === 'string' || isIds(x)))
    throw new RequestValidationError('prompt', 'Only one prompt per request is supported (got an array of prompts)');
  else
    throw new RequestValidationError(
      'prompt',
      "'prompt' must be a string, an array of token ids, or an array of one of those",
    );
  validateSampling(b);
  booleanField(b, 'echo');
  integerIn(b, 'logprobs', 0, 20);
  integerIn(b, 'best_of', 1, 1);
  if (typeof b.suffix === 'string' && b.suffix !== '')
    throw new RequestValidationError('suffix', "'suffix' (insertion) is not supported by this server");
  if (b.echo === true && b.logprobs !== undefined)
    throw new RequestValidationError('echo', "'echo' with 'logprobs' (prompt log-probabilities) is not supported");
  return { ...b, prompt } as CompletionRequest;
}

/**
 * The OpenAI-compatible HTTP server: routes, authentication, the slot queue, streaming, cancellation.
 * Everything about models (templates, tokens, sampling, stop strings) happens in `@llamats/engine`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { ChatTemplateError, TemplateSyntaxError } from '@llamats/chat-templates';
import {
  Chat,
  type FinishReason,
  type GeneratedPiece,
  type Generation,
  type GenerationResult,
  type LoadOptions,
  loadModel,
  type Model,
  PromptTooLongError,
  type Session,
  type SessionOptions,
} from '@llamats/engine';
import { JsonSchemaError, SamplerError, SamplerOptionError } from '@llamats/sampler';
import { HttpError, parseJson, readBody, SseWriter, sendError, sendJson } from './http-util.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import {
  type ChatLogprob,
  CompletionLogprobsBuilder,
  chatGenerateOptions,
  chatLogprob,
  completionGenerateOptions,
  completionId,
  finishReasonOf,
  nowSeconds,
  usageOf,
} from './openai.js';
import { QueueFullError, SlotPool } from './slots.js';
import {
  type CompletionRequest,
  RequestValidationError,
  validateChatCompletionRequest,
  validateCompletionRequest,
} from './validate.js';

export interface ServerOptions {
  /** A loaded model (the server uses it but does not dispose it)... */
  model?: Model;
  /** ...or a GGUF path or URL, loaded by the server and disposed by `close()`. */
  modelPath?: string;
  /** Options for loading `modelPath` (backend, threads, progress). */
  loadOptions?: LoadOptions;
  /** The model id in responses and `/v1/models` (default: the file name without `.gguf`, or `general.name`). */
  modelId?: string;
  /** When set, every route but `/health` needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /**
   * Sessions (KV caches) to generate in, default 1. With more than one, that many requests generate at once,
   * taking turns token by token (each its own forward pass: not batched); the rest wait, first come first served.
   */
  parallel?: number;
  /** Options of each session: `nCtx` (context size), `nBatch`, `kvType`, `contextShift`. */
  session?: SessionOptions;
  /** Chat template for `/v1/chat/completions`: a built-in name or Jinja text (default: the model's own). */
  chatTemplate?: string;
  /** Requests that may wait for a slot before new ones get 503 (default 64). */
  maxQueue?: number;
  /** Largest accepted request body in bytes (default 4 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Time allowed to receive a request body (default 30 s). */
  bodyTimeoutMs?: number;
  /** `Access-Control-Allow-Origin` value for browser clients (default: no CORS headers). */
  cors?: string;
  /** Called when a generation ends (any reason), after its response is written. */
  onGenerationEnd?: (event: GenerationEndEvent) => void;
  /** One line per answered request (default: silent). */
  log?: (line: string) => void;
}

export interface GenerationEndEvent {
  readonly endpoint: 'chat.completions' | 'completions';
  /** The engine's reason (`'abort'` when the client went away), or `'error'`. */
  readonly finishReason: FinishReason | 'error';
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Index of the session (KV cache) it ran in. */
  readonly slot: number;
  readonly timings?: GenerationResult['timings'];
  readonly error?: unknown;
}

export interface ListenOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
}

interface Slot {
  readonly index: number;
  readonly session: Session;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Why a generation's signal aborted. */
class Gone extends Error {
  constructor(readonly why: 'client' | 'shutdown') {
    super(why === 'client' ? 'The client went away' : 'The server is shutting down');
    this.name = 'AbortError';
  }
}

const shuttingDown = () =>
  new HttpError(503, 'The server is shutting down', 'server_error', null, 'server_shutting_down');

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** An HTTP server speaking OpenAI's API over one model. Create it with {@link createServer} or {@link startServer}. */
export class LlamatsServer {
  /** The underlying Node server. */
  readonly http: Server;
  readonly modelId: string;
  private readonly metricsStore: Metrics;
  private readonly pool: SlotPool<Slot>;
  private readonly controllers = new Set<AbortController>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly routes: Record<string, Record<string, Handler>>;
  private readonly apiKeyHash: Buffer | undefined;
  private readonly created = nowSeconds();
  private closing: Promise<void> | undefined;
  private listening: string | undefined;

  private constructor(
    readonly model: Model,
    private readonly ownsModel: boolean,
    private readonly slots: readonly Slot[],
    private readonly options: ServerOptions,
  ) {
    this.modelId =
      options.modelId ??
      (options.modelPath ? basename(options.modelPath).replace(/\.gguf$/i, '') : undefined) ??
      (typeof model.gguf.get('general.name') === 'string' ? (model.gguf.get('general.name') as string) : 'llamats');
    this.pool = new SlotPool(slots, options.maxQueue ?? 64);
    this.metricsStore = new Metrics(() => this.pool.waiting);
    this.apiKeyHash = options.apiKey !== undefined ? sha256(options.apiKey) : undefined;
    this.routes = {
      '/health': { GET: (_q, s) => this.health(s) },
      '/metrics': { GET: (_q, s) => this.metricsRoute(s) },
      '/v1/models': { GET: (_q, s) => this.models(s) },
      '/v1/models/:id': { GET: (q, s) => this.modelRoute(q, s) },
      '/v1/chat/completions': { POST: (q, s) => this.chatCompletions(q, s) },
      '/v1/completions': { POST: (q, s) => this.completions(q, s) },
    };
    const bodyTimeout = options.bodyTimeoutMs ?? 30_000;
    this.http = createHttpServer(
      {
        // Node's own limits: the headers within 30 s, the whole request (not the response, which may stream
        // for long) a little after our body timeout, idle keep-alive connections closed after 5 s.
        headersTimeout: 30_000,
        requestTimeout: bodyTimeout + 30_000,
        keepAliveTimeout: 5_000,
      },
      (req, res) => this.onRequest(req, res),
    );
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Socket trouble (a reset mid-body, mid-stream) must never become an unhandled 'error' event.
    req.on('error', () => {});
    res.on('error', () => {});
    this.handle(req, res).catch((e) => {
      // handle() answers every error itself; this is the last line of defence.
      if (!res.headersSent) sendError(res, new HttpError(500, `Internal server error: ${(e as Error)?.message}`));
      else res.destroy();
    });
  }

  /** @internal use {@link createServer}. */
  static async create(options: ServerOptions): Promise<LlamatsServer> {
    if (!options.model === !options.modelPath) throw new TypeError('Pass exactly one of `model` and `modelPath`');
    const parallel = options.parallel ?? 1;
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64)
      throw new RangeError(`parallel must be an integer from 1 to 64, got ${parallel}`);
    const model = options.model ?? (await loadModel(options.modelPath!, options.loadOptions));
    const slots: Slot[] = [];
    try {
      for (let i = 0; i < parallel; i++) slots.push({ index: i, session: model.createSession(options.session) });
      new Chat(model, slots[0].session, { template: options.chatTemplate }); // a bad template fails here, not per request
    } catch (e) {
      for (const s of slots) s.session.dispose();
      if (!options.model) await model.dispose();
      throw e;
    }
    return new LlamatsServer(model, !options.model, slots, options);
  }

  /** `http://host:port` once listening. */
  get url(): string | undefined {
    return this.listening;
  }

  /** Starts listening; resolves with the URL. */
  listen(options: ListenOptions = {}): Promise<string> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.http.once('error', onError);
      this.http.listen(options.port ?? 8080, host, () => {
        this.http.off('error', onError);
        const a = this.http.address() as AddressInfo;
        const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        this.listening = `http://${h}:${a.port}`;
        resolve(this.listening);
      });
    });
  }

  /** Counters behind `/metrics`. */
  metrics(): MetricsSnapshot {
    return this.metricsStore.snapshot();
  }

  /**
   * Stops accepting connections, ends running generations (their streams get an error event) and queued
   * requests (503), frees the sessions, and disposes the model if the server loaded it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.pool.rejectAll(shuttingDown());
      for (const c of this.controllers) c.abort(new Gone('shutdown'));
      const closed = new Promise<void>((resolve) =>
        this.http.listening ? this.http.close(() => resolve()) : resolve(),
      );
      this.http.closeIdleConnections();
      await Promise.allSettled([...this.running]);
      this.http.closeIdleConnections();
      // Connections still busy (a body arriving) get a moment, then are cut.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise((r) => {
          timer = setTimeout(r, 1000);
        }),
      ]);
      clearTimeout(timer);
      this.http.closeAllConnections();
      await closed;
      for (const s of this.slots) s.session.dispose();
      if (this.ownsModel) await this.model.dispose();
    })();
    return this.closing;
  }

  // ---- routing -------------------------------------------------------------------------------------------

  private routeOf(path: string): string | undefined {
    let p = path.replace(/\/+$/, '') || '/';
    if (
      !p.startsWith('/v1/') &&
      ['/models', '/chat/completions', '/completions'].some((r) => p === r || p.startsWith(`${r}/`))
    )
      p = `/v1${p}`;
    if (this.routes[p]) return p;
    if (/^\/v1\/models\/[^/]+$/.test(p)) return '/v1/models/:id';
    return undefined;
  }

  private corsHeaders(): Record<string, string> {
    return this.options.cors ? { 'Access-Control-Allow-Origin': this.options.cors } : {};
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const method = req.method ?? 'GET';
    let path = '/';
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // keep '/'
    }
    const route = this.routeOf(path);
    res.once('close', () => {
      const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
      this.metricsStore.countRequest(method, route ?? 'unknown', status);
      this.options.log?.(`${method} ${path} ${status} ${(performance.now() - t0).toFixed(0)} ms`);
    });
    for (const [k, v] of Object.entries(this.corsHeaders())) res.setHeader(k, v);
    try {
      if (method === 'OPTIONS' && this.options.cors && route) {
        res.writeHead(204, {
          'Access-Control-Allow-Methods': `${Object.keys(this.routes[route]).join(', ')}, OPTIONS`,
          'Access-Control-Allow-Headers': 'Authorization, Content-Type',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return;
      }
      if (!route) {
        req.resume();
        throw new HttpError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null, 'unknown_url');
      }
      const handler = this.routes[route][method];
      if (!handler) {
        req.resume();
        const allowed = Object.keys(this.routes[route]).join(', ');
        throw new HttpError(
          405,
          `Method ${method} is not allowed for ${path}; use ${allowed}`,
          'invalid_request_error',
          null,
          'method_not_allowed',
          { Allow: allowed },
        );
      }
      if (this.closing) throw shuttingDown();
      if (route !== '/health') this.authorize(req);
      await handler(req, res);
    } catch (e) {
      this.answerError(res, e);
    }
  }

  private authorize(req: IncomingMessage): void {
    if (!this.apiKeyHash) return;
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (!m) {
      req.resume();
      throw new HttpError(
        401,
        "You didn't provide an API key. Send it in the Authorization header: 'Authorization: Bearer YOUR_KEY'.",
        'invalid_request_error',
        null,
        'invalid_api_key',
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    if (!timingSafeEqual(sha256(m[1]), this.apiKeyHash)) {
      req.resume();
      throw new HttpError(401, 'Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key', {
        'WWW-Authenticate': 'Bearer',
      });
    }
  }

  /** Every error a handler throws becomes an OpenAI error body with the right status. */
  private toHttpError(e: unknown, promptParam: string | null = null): HttpError {
    if (e instanceof HttpError) return e;
    if (e instanceof RequestValidationError)
      return new HttpError(400, e.message, 'invalid_request_error', e.param, e.code);
    if (e instanceof PromptTooLongError)
      return new HttpError(400, e.message, 'invalid_request_error', promptParam, 'context_length_exceeded');
    if (e instanceof QueueFullError) return new HttpError(503, e.message, 'server_error', null, 'server_busy');
    if (e instanceof JsonSchemaError)
      return new HttpError(400, e.message, 'invalid_request_error', 'response_format.json_schema.schema', null);
    if (e instanceof SamplerOptionError) {
      const param = /^logitBias/.test(e.option) ? 'logit_bias' : e.option;
      return new HttpError(400, e.message, 'invalid_request_error', param, null);
    }
    if (e instanceof SamplerError) return new HttpError(400, e.message, 'invalid_request_error', null, null);
    if (e instanceof ChatTemplateError && !(e instanceof TemplateSyntaxError))
      return new HttpError(
        400,
        `The chat template rejected the messages: ${e.message}`,
        'invalid_request_error',
        'messages',
      );
    if (e instanceof Gone && e.why === 'shutdown') return shuttingDown();
    return new HttpError(500, `Internal server error: ${(e as Error)?.message ?? String(e)}`, 'server_error');
  }

  private answerError(res: ServerResponse, e: unknown, promptParam: string | null = null): void {
    const err = this.toHttpError(e, promptParam);
    if (err.status >= 500 && !(e instanceof HttpError) && !(e instanceof QueueFullError))
      this.options.log?.(`error: ${(e as Error)?.stack ?? String(e)}`);
    if (!res.headersSent) sendError(res, err);
    else if (String(res.getHeader('Content-Type')).startsWith('text/event-stream')) new SseWriter(res).fail(err);
    else if (!res.writableEnded) res.end();
  }

  // ---- simple routes --------------------------------------------------------------------------------------

  private health(res: ServerResponse): void {
    const busy = this.metricsStore.inFlight;
    sendJson(res, 200, {
      status: 'ok',
      model: this.modelId,
      slots_total: this.slots.length,
      slots_busy: busy,
      queued: this.pool.waiting,
    });
  }

  private metricsRoute(res: ServerResponse): void {
    const text = this.metricsStore.render();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(text);
  }

  private modelObject() {
    return { id: this.modelId, object: 'model' as const, created: this.created, owned_by: 'llamats' };
  }

  private models(res: ServerResponse): void {
    sendJson(res, 200, { object: 'list', data: [this.modelObject()] });
  }

  private modelRoute(req: IncomingMessage, res: ServerResponse): void {
    const raw = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '').split('/').pop() ?? '';
    let id = raw;
    try {
      id = decodeURIComponent(raw);
    } catch {
      // keep the raw segment
    }
    if (id !== this.modelId)
      throw new HttpError(404, `The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found');
    sendJson(res, 200, this.modelObject());
  }

  // ---- generation ---------------------------------------------------------------------------------------

  private async readJson(req: IncomingMessage): Promise<unknown> {
    const body = await readBody(req, this.options.maxBodyBytes ?? 4 << 20, this.options.bodyTimeoutMs ?? 30_000);
    return parseJson(body);
  }

  /**
   * Waits for a slot (FIFO), then runs `fn` with it and a signal that aborts when the client disconnects or
   * the server closes. The slot is released whatever happens.
   */
  private async withSlot(res: ServerResponse, fn: (slot: Slot, signal: AbortSignal) => Promise<void>): Promise<void> {
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort(new Gone('client'));
    };
    res.on('close', onClose);
    this.controllers.add(ac);
    let release: () => void = () => {};
    const task = (async () => {
      const slot = await this.pool.acquire(ac.signal);
      this.metricsStore.inFlight++;
      release = () => {
        this.metricsStore.inFlight--;
        this.pool.release(slot);
      };
      await fn(slot, ac.signal);
    })();
    this.running.add(task);
    try {
      await task;
    } catch (e) {
      if (e instanceof Gone && e.why === 'client') return; // nobody to answer
      throw e;
    } finally {
      release();
      this.running.delete(task);
      this.controllers.delete(ac);
      res.off('close', onClose);
    }
  }

  /**
   * Drives a generation to its end (always: that is what frees its session), handing each piece to `onPiece`.
   * Resolves with the result, or undefined when the signal aborted during the prompt.
   */
  private async drive(
    gen: Generation,
    signal: AbortSignal,
    onPiece: (p: GeneratedPiece) => void,
  ): Promise<GenerationResult | undefined> {
    try {
      for await (const p of gen) onPiece(p);
      return await gen.result;
    } catch (e) {
      if (signal.aborted) return undefined;
      throw e;
    }
  }

  private ended(
    endpoint: GenerationEndEvent['endpoint'],
    slot: Slot,
    r: GenerationResult | undefined,
    error?: unknown,
  ): void {
    const finishReason: GenerationEndEvent['finishReason'] = r ? r.finishReason : error ? 'error' : 'abort';
    const event: GenerationEndEvent = {
      endpoint,
      finishReason,
      promptTokens: r?.promptTokens ?? 0,
      completionTokens: r?.tokens.length ?? 0,
      slot: slot.index,
      timings: r?.timings,
      error,
    };
    this.metricsStore.countGeneration(
      finishReason,
      r && {
        promptTokens: r.promptTokens,
        completionTokens: r.tokens.length,
        promptMs: r.timings.promptMs,
        generateMs: r.timings.generateMs,
      },
    );
    try {
      this.options.onGenerationEnd?.(event);
    } catch {
      // a hook must not break the server
    }
  }

  /** Runs one generation: start it in a slot, stream or collect it, record its end. */
  private async generation(
    res: ServerResponse,
    endpoint: GenerationEndEvent['endpoint'],
    promptParam: string,
    start: (slot: Slot, signal: AbortSignal) => Generation,
    respond: (gen: Generation, signal: AbortSignal) => Promise<GenerationResult | undefined>,
  ): Promise<void> {
    await this.withSlot(res, async (slot, signal) => {
      let gen: Generation;
      try {
        gen = start(slot, signal); // prompt too long, bad sampler options: before anything is sent
      } catch (e) {
        this.answerError(res, e, promptParam);
        return;
      }
      let result: GenerationResult | undefined;
      try {
        result = await respond(gen, signal);
      } catch (e) {
        this.ended(endpoint, slot, undefined, e);
        this.answerError(res, e, promptParam);
        return;
      }
      this.ended(endpoint, slot, result);
    });
  }

  /**
   * Whether a whole (non-streamed) response has a result to send. It has none when the generation was
   * aborted: the client left, or the server is shutting down (which answers with a 503 body here).
   */
  private hasResultToSend(
    res: ServerResponse,
    result: GenerationResult | undefined,
    signal: AbortSignal,
  ): result is GenerationResult {
    if (result && result.finishReason !== 'abort') return true;
    if (signal.reason instanceof Gone && signal.reason.why === 'shutdown') sendError(res, shuttingDown());
    return false;
  }

  private streamFailure(sse: SseWriter, signal: AbortSignal): void {
    const reason = signal.reason;
    if (reason instanceof Gone && reason.why === 'shutdown') sse.fail(shuttingDown());
    else if (sse.open) sse.done();
  }

  private async chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = validateChatCompletionRequest(await this.readJson(req));
    const last = r.messages[r.messages.length - 1];
    if (last.role !== 'user') {
      throw new RequestValidationError(
        'messages',
        `The last message must have role 'user' (got '${last.role}'): continuing a message is not supported`,
      );
    }
    this.checkLogitBias(r.logit_bias);
    const id = completionId('chatcmpl');
    const created = nowSeconds();
    const model = this.modelId;
    const tokenText = (t: number) => this.model.tokenizer.tokenToPiece(t);
    const start = (slot: Slot, signal: AbortSignal) => {
      const chat = new Chat(this.model, slot.session, { template: this.options.chatTemplate });
      for (const m of r.messages.slice(0, -1)) chat.messages.push({ role: m.role, content: m.content });
      return chat.send(last.content, chatGenerateOptions(r, signal));
    };
    if (!r.stream) {
      await this.generation(res, 'chat.completions', 'messages', start, async (gen, signal) => {
        const logprobs: ChatLogprob[] = [];
        const result = await this.drive(gen, signal, (p) => {
          const lp = r.logprobs ? chatLogprob(p, tokenText) : undefined;
          if (lp) logprobs.push(lp);
        });
        if (!this.hasResultToSend(res, result, signal)) return result;
        sendJson(
          res,
          200,
          {
            id,
            object: 'chat.completion',
            created,
            model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: result.text, refusal: null },
                logprobs: r.logprobs ? { content: logprobs, refusal: null } : null,
                finish_reason: finishReasonOf(result.finishReason),
              },
            ],
            usage: usageOf(result),
          },
          this.corsHeaders(),
        );
        return result;
      });
      return;
    }
    const includeUsage = r.stream_options?.include_usage === true;
    const chunk = streamChunk({ id, object: 'chat.completion.chunk', created, model }, includeUsage);
    await this.generation(res, 'chat.completions', 'messages', start, async (gen, signal) => {
      const sse = new SseWriter(res, this.corsHeaders());
      let pending: ChatLogprob[] = [];
      const begin = () => {
        if (!sse.hasStarted)
          sse.send(
            chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
          );
      };
      const result = await this.drive(gen, signal, (p) => {
        if (!sse.open) return;
        begin();
        const lp = r.logprobs ? chatLogprob(p, tokenText) : undefined;
        if (lp) pending.push(lp);
        if (p.text === '') return;
        sse.send(
          chunk([
            {
              index: 0,
              delta: { content: p.text },
              logprobs: r.logprobs ? { content: pending, refusal: null } : null,
              finish_reason: null,
            },
          ]),
        );
        pending = [];
      });
      if (!result || result.finishReason === 'abort') {
        this.streamFailure(sse, signal);
        return result;
      }
      begin();
      sse.send(
        chunk([
          {
            index: 0,
            delta: {},
            logprobs: r.logprobs && pending.length ? { content: pending, refusal: null } : null,
            finish_reason: finishReasonOf(result.finishReason),
          },
        ]),
      );
      if (includeUsage) sse.send(chunk([], usageOf(result)));
      sse.done();
      return result;
    });
  }

  private checkLogitBias(bias: Record<string, number> | undefined): void {
    const vocab = this.model.tokenizer.vocabSize;
    const bad = Object.keys(bias ?? {}).find((k) => Number(k) >= vocab);
    if (bad !== undefined)
      throw new RequestValidationError(
        'logit_bias',
        `logit_bias: token id ${bad} is outside the vocabulary (0..${vocab - 1})`,
      );
  }

  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r: CompletionRequest = validateCompletionRequest(await this.readJson(req));
    const vocab = this.model.tokenizer.vocabSize;
    if (Array.isArray(r.prompt)) {
      const bad = r.prompt.find((t) => t >= vocab);
      if (bad !== undefined)
        throw new RequestValidationError('prompt', `Token id ${bad} is outside the vocabulary (0..${vocab - 1})`);
    }
    this.checkLogitBias(r.logit_bias);
    const promptText = r.echo ? (typeof r.prompt === 'string' ? r.prompt : this.model.detokenize(r.prompt)) : '';
    const id = completionId('cmpl');
    const created = nowSeconds();
    const model = this.modelId;
    const tokenText = (t: number) => this.model.tokenizer.tokenToPiece(t);
    const wantLogprobs = typeof r.logprobs === 'number';
    const start = (slot: Slot, signal: AbortSignal) =>
      slot.session.generate(r.prompt, completionGenerateOptions(r, signal));
    if (!r.stream) {
      await this.generation(res, 'completions', 'prompt', start, async (gen, signal) => {
        const lpb = new CompletionLogprobsBuilder(tokenText, promptText.length);
        const logprobs = lpb.empty();
        const result = await this.drive(gen, signal, (p) => {
          if (wantLogprobs) lpb.add(logprobs, p);
        });
        if (!this.hasResultToSend(res, result, signal)) return result;
        sendJson(
          res,
          200,
          {
            id,
            object: 'text_completion',
            created,
            model,
            choices: [
              {
                text: promptText + result.text,
                index: 0,
                logprobs: wantLogprobs ? logprobs : null,
                finish_reason: finishReasonOf(result.finishReason),
              },
            ],
            usage: usageOf(result),
          },
          this.corsHeaders(),
        );
        return result;
      });
      return;
    }
    const includeUsage = r.stream_options?.include_usage === true;
    const chunk = streamChunk({ id, object: 'text_completion', created, model }, includeUsage);
    await this.generation(res, 'completions', 'prompt', start, async (gen, signal) => {
      const sse = new SseWriter(res, this.corsHeaders());
      const lpb = new CompletionLogprobsBuilder(tokenText, promptText.length);
      let pending = lpb.empty();
      if (promptText) sse.send(chunk([{ text: promptText, index: 0, logprobs: null, finish_reason: null }]));
      const result = await this.drive(gen, signal, (p) => {
        if (!sse.open) return;
        if (wantLogprobs) lpb.add(pending, p);
        if (p.text === '') return;
        sse.send(chunk([{ text: p.text, index: 0, logprobs: wantLogprobs ? pending : null, finish_reason: null }]));
        pending = lpb.empty();
      });
      if (!result || result.finishReason === 'abort') {
        this.streamFailure(sse, signal);
        return result;
      }
      sse.send(
        chunk([
          {
            text: '',
            index: 0,
            logprobs: wantLogprobs && pending.tokens.length ? pending : null,
            finish_reason: finishReasonOf(result.finishReason),
          },
        ]),
      );
      if (includeUsage) sse.send(chunk([], usageOf(result)));
      sse.done();
      return result;
    });
  }
}

/**
 * The chunk builder of one stream: every chunk repeats the response's id, object, creation time and model,
 * and carries `usage` (null until the last chunk) only when the client asked for it.
 */
function streamChunk(
  head: { id: string; object: string; created: number; model: string },
  includeUsage: boolean,
): (choices: unknown[], usage?: unknown) => Record<string, unknown> {
  return (choices, usage) => ({ ...head, choices, ...(includeUsage ? { usage: usage ?? null } : {}) });
}

/** Creates the server (loading `modelPath` if given) without listening; call `listen()`. */
export function createServer(options: ServerOptions): Promise<LlamatsServer> {
  return LlamatsServer.create(options);
}

/** Creates the server and listens (default `127.0.0.1:8080`); `server.url` is where it is. */
export async function startServer(options: ServerOptions & ListenOptions): Promise<LlamatsServer> {
  const server = await createServer(options);
  try {
    await server.listen({ host: options.host, port: options.port });
  } catch (e) {
    await server.close();
    throw e;
  }
  return server;
}

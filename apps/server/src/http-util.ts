/** HTTP plumbing: OpenAI-style errors, bounded body reading, JSON and SSE writing. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenAiErrorBody } from './validate.js';

/** An error answered with `status` and OpenAI's error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = status >= 500 ? 'server_error' : 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/**
 * Reads the whole body, at most `limit` bytes, within `timeoutMs`. Past the limit it rejects with 413 and
 * keeps discarding what the client still sends (so the client reads the 413 instead of a reset connection).
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new HttpError(
        413,
        `The request body is larger than this server accepts (${limit} bytes)`,
        'invalid_request_error',
        null,
        'request_too_large',
        { Connection: 'close' },
      );
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // discard
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e: Error | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve(body!);
    };
    const timer = setTimeout(() => {
      finish(
        new HttpError(
          408,
          `The request body did not arrive within ${timeoutMs} ms`,
          'invalid_request_error',
          null,
          'request_timeout',
          { Connection: 'close' },
        ),
      );
      // The 408 is written with `Connection: close`; a client that still holds the socket loses it soon after.
      setTimeout(() => req.destroy(), 1000).unref();
    }, timeoutMs);
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(undefined, Buffer.concat(chunks)));
    req.on('error', (e) => finish(e));
    req.on('close', () => finish(new HttpError(400, 'The client closed the connection before sending the whole body')));
  });
}

/** Parses a JSON body; 400 with OpenAI's wording when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '')
    throw new HttpError(400, 'The request body is empty; send a JSON object', 'invalid_request_error');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(
      400,
      `We could not parse the JSON body of your request: ${(e as Error).message}`,
      'invalid_request_error',
      null,
      'invalid_json',
    );
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  sendJson(res, e.status, e.toBody(), e.headers);
}

/** A Server-Sent Events stream of JSON chunks, ended by `data: [DONE]`. */
export class SseWriter {
  private started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string> = {},
  ) {}

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  get hasStarted(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started || !this.open) return;
    this.started = true;
    if (this.res.headersSent) return; // already an event stream (an error event after the start)
    const headers = {
      ...this.headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    };
    for (const [k, v] of Object.entries(headers)) this.res.setHeader(k, v);
    this.res.writeHead(200);
    this.res.flushHeaders();
  }

  send(data: unknown): void {
    this.start();
    if (this.open) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  done(): void {
    this.start();
    if (this.open) this.res.end('data: [DONE]\n\n');
  }

  /** An error after the stream began: one `data: {"error": ...}` event, then the stream ends. */
  fail(e: HttpError): void {
    this.start();
    if (this.open) this.res.end(`data: ${JSON.stringify(e.toBody())}\n\n`);
  }
}

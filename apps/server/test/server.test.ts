/**
 * The real server on the bundled demo model, on 127.0.0.1 with an ephemeral port, driven by the official
 * `openai` client and by raw `fetch`. Results are compared with the engine run in-process.
 */
import { connect } from 'node:net';
import { loadModel, type Model } from '@llamats/engine';
import { demoModelPath } from '@llamats/test-fixtures';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerationEndEvent, type LlamatsServer, startServer } from '../src/index.js';

const API_KEY = 'test-key-123';
const PROMPT = 'Once upon a time';
const BODY_LIMIT = 64 * 1024;

let model: Model;
let server: LlamatsServer;
let client: OpenAI;
const events: GenerationEndEvent[] = [];

/** Resolves with the next generation-end event that matches. */
function nextEvent(
  match: (e: GenerationEndEvent, index: number) => boolean,
  timeoutMs = 10_000,
): Promise<GenerationEndEvent> {
  const seen = events.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      const e = events.find(match);
      if (e) {
        clearInterval(poll);
        resolve(e);
      } else if (Date.now() - t0 > timeoutMs) {
        clearInterval(poll);
        reject(new Error('no matching generation-end event'));
      }
    }, 5);
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** What the engine itself generates for a plain prompt (fresh session, greedy). */
async function engineGreedy(prompt: string, maxTokens: number) {
  return model.createSession().generate(prompt, { temperature: 0, maxTokens }).complete();
}

async function engineChatGreedy(user: string, maxTokens: number) {
  const chat = model.chat();
  const r = await chat.send(user, { temperature: 0, maxTokens }).complete();
  chat.session.dispose();
  return r;
}

/**
 * Sends `text` as-is over a TCP connection to the server at `serverUrl` and resolves with everything it
 * answers until it closes the socket (or `timeoutMs` passes). `end` half-closes the socket after sending.
 */
function rawHttp(serverUrl: string, text: string, options: { end: boolean; timeoutMs: number }): Promise<string> {
  const url = new URL(serverUrl);
  return new Promise<string>((resolve) => {
    const s = connect(Number(url.port), url.hostname);
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      out += d;
    });
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.setTimeout(options.timeoutMs, () => s.destroy());
    if (options.end) s.end(text);
    else s.write(text);
  });
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API_KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
}

beforeAll(async () => {
  model = await loadModel(demoModelPath, { backend: 'wasm', threads: 1 });
  server = await startServer({
    model,
    apiKey: API_KEY,
    port: 0,
    maxBodyBytes: BODY_LIMIT,
    onGenerationEnd: (e) => events.push(e),
  });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: API_KEY, maxRetries: 0, timeout: 20_000 });
});

afterAll(async () => {
  await server?.close();
  await model?.dispose();
});

describe('discovery', () => {
  it('listens on loopback with an ephemeral port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:8080$/);
  });

  it('GET /health answers without a key', async () => {
    const r = await fetch(`${server.url}/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok', model: 'llamats-demo-stories', slots_total: 1 });
  });

  it('GET /v1/models lists the model', async () => {
    const list = await client.models.list();
    expect(list.data).toEqual([
      { id: 'llamats-demo-stories', object: 'model', created: expect.any(Number), owned_by: 'llamats' },
    ]);
    expect((await client.models.retrieve('llamats-demo-stories')).id).toBe('llamats-demo-stories');
  });
});

describe('POST /v1/completions', () => {
  it('greedy text equals the engine in-process, with usage and finish_reason length', async () => {
    const expected = await engineGreedy(PROMPT, 24);
    const r = await client.completions.create({ model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 24 });
    expect(r.object).toBe('text_completion');
    expect(r.id).toMatch(/^cmpl-/);
    expect(r.model).toBe('llamats-demo-stories');
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0].text).toBe(expected.text);
    expect(r.choices[0].index).toBe(0);
    expect(r.choices[0].finish_reason).toBe('length');
    expect(r.usage).toEqual({
      prompt_tokens: model.tokenize(PROMPT).length,
      completion_tokens: 24,
      total_tokens: model.tokenize(PROMPT).length + 24,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    // The same prompt again: all but its last token come from the KV cache.
    const again = await client.completions.create({ model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 24 });
    expect(again.choices[0].text).toBe(expected.text);
    expect(again.usage?.prompt_tokens_details).toEqual({ cached_tokens: model.tokenize(PROMPT).length - 1 });
  });

  it('ends with finish_reason stop at end of text', async () => {
    const expected = await engineGreedy(PROMPT, 200);
    expect(expected.finishReason).toBe('eos');
    const r = await client.completions.create({ model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 200 });
    expect(r.choices[0].text).toBe(expected.text);
    expect(r.choices[0].finish_reason).toBe('stop');
    expect(r.usage?.completion_tokens).toBe(expected.tokens.length);
  });

  it('streams the same text in OpenAI chunks, with a usage chunk when asked', async () => {
    const whole = await client.completions.create({ model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 20 });
    const stream = await client.completions.create({
      model: 'x',
      prompt: PROMPT,
      temperature: 0,
      max_tokens: 20,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finish: (string | null)[] = [];
    let usage: unknown;
    let n = 0;
    for await (const chunk of stream) {
      n++;
      expect(chunk.object).toBe('text_completion');
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.text;
        finish.push(c.finish_reason);
      }
    }
    expect(n).toBeGreaterThan(5);
    expect(text).toBe(whole.choices[0].text);
    expect(finish.at(-1)).toBe('length');
    expect(finish.slice(0, -1).every((f) => f === null)).toBe(true);
    expect(usage).toEqual(whole.usage);
  });

  it('stops before a stop string (string or array)', async () => {
    const full = (await engineGreedy(PROMPT, 60)).text;
    const stop = full.slice(25, 31);
    const expected = full.slice(0, full.indexOf(stop));
    const a = await client.completions.create({ model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 60, stop });
    expect(a.choices[0].text).toBe(expected);
    expect(a.choices[0].finish_reason).toBe('stop');
    const b = await client.completions.create({
      model: 'x',
      prompt: PROMPT,
      temperature: 0,
      max_tokens: 60,
      stop: ['never appears', stop],
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const c of b) {
      text += c.choices[0]?.text ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(expected);
    expect(finish).toBe('stop');
  });

  it('is deterministic for a seed when sampling', async () => {
    const req = { model: 'x', prompt: PROMPT, temperature: 0.9, seed: 7, max_tokens: 16 };
    const a = await client.completions.create(req);
    const b = await client.completions.create(req);
    expect(a.choices[0].text).toBe(b.choices[0].text);
    const engine = await model.createSession().generate(PROMPT, { temperature: 0.9, seed: 7, maxTokens: 16 }).text();
    expect(a.choices[0].text).toBe(engine);
  });

  it('returns log-probabilities, echo, token-id prompts and penalties', async () => {
    const r = await client.completions.create({
      model: 'x',
      prompt: PROMPT,
      temperature: 0,
      max_tokens: 5,
      logprobs: 2,
    });
    const lp = r.choices[0].logprobs!;
    expect(lp.tokens).toHaveLength(5);
    expect(lp.tokens!.join('')).toBe(r.choices[0].text);
    expect(lp.token_logprobs!.every((x) => x <= 0)).toBe(true);
    expect(lp.top_logprobs!.every((t) => Object.keys(t).length === 2)).toBe(true);
    expect(lp.text_offset![0]).toBe(0);
    const echo = await client.completions.create({
      model: 'x',
      prompt: PROMPT,
      temperature: 0,
      max_tokens: 5,
      echo: true,
    });
    expect(echo.choices[0].text).toBe(PROMPT + r.choices[0].text);
    const ids = await client.completions.create({
      model: 'x',
      prompt: model.tokenize(PROMPT),
      temperature: 0,
      max_tokens: 5,
    });
    expect(ids.choices[0].text).toBe(r.choices[0].text);
    const pen = await client.completions.create({
      model: 'x',
      prompt: PROMPT,
      temperature: 0,
      max_tokens: 5,
      presence_penalty: 1.5,
      frequency_penalty: 1.5,
    });
    expect(pen.usage?.completion_tokens).toBe(5);
  });
});

describe('POST /v1/chat/completions', () => {
  const messages = [{ role: 'user' as const, content: 'Tell me a story about a cat.' }];

  it('greedy reply equals the engine chat in-process, with usage', async () => {
    const expected = await engineChatGreedy(messages[0].content, 30);
    const r = await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_tokens: 30 });
    expect(r.object).toBe('chat.completion');
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.choices[0].message.role).toBe('assistant');
    expect(r.choices[0].message.content).toBe(expected.text);
    expect(r.choices[0].finish_reason).toBe('length');
    expect(r.usage).toMatchObject({
      prompt_tokens: expected.promptTokens,
      completion_tokens: 30,
      total_tokens: expected.promptTokens + 30,
    });
    // max_completion_tokens is the newer name of max_tokens.
    const n = await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_completion_tokens: 7 });
    expect(n.usage?.completion_tokens).toBe(7);
    expect(expected.text.startsWith(n.choices[0].message.content!)).toBe(true);
  });

  it('streams: a role chunk, content deltas, a finish chunk, usage, [DONE]', async () => {
    const whole = await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_tokens: 20 });
    const stream = await client.chat.completions.create({
      model: 'x',
      messages,
      temperature: 0,
      max_tokens: 20,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(whole.choices[0].message.content);
    const finishChunk = chunks.at(-2)!;
    expect(finishChunk.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'length' });
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual(whole.usage);
  });

  it('sends exactly `data: {...}\\n\\n` events ending with `data: [DONE]`', async () => {
    const r = await post('/v1/chat/completions', { messages, temperature: 0, max_tokens: 8, stream: true });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const raw = await r.text();
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = raw.split('\n\n').filter((e) => e !== '');
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    const json = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(Object.keys(json[0]).sort()).toEqual(['choices', 'created', 'id', 'model', 'object']);
    expect(json.at(-1).choices[0].finish_reason).toBe('length');
  });

  it('honours stop strings, system messages and text parts', async () => {
    const full = (await client.chat.completions.create({ model: 'x', messages, temperature: 0, max_tokens: 40 }))
      .choices[0].message.content!;
    const stop = full.slice(15, 20);
    const r = await client.chat.completions.create({
      model: 'x',
      messages,
      temperature: 0,
      max_tokens: 40,
      stop: [stop],
    });
    expect(r.choices[0].message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(r.choices[0].finish_reason).toBe('stop');
    const parts = await client.chat.completions.create({
      model: 'x',
      messages: [
        { role: 'system', content: 'You tell stories.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Tell me a story ' },
            { type: 'text', text: 'about a cat.' },
          ],
        },
      ],
      temperature: 0,
      max_tokens: 10,
    });
    expect(parts.usage!.prompt_tokens).toBeGreaterThan(r.usage!.prompt_tokens);
  });

  it('returns log-probabilities', async () => {
    const r = await client.chat.completions.create({
      model: 'x',
      messages,
      temperature: 0,
      max_tokens: 6,
      logprobs: true,
      top_logprobs: 3,
    });
    const content = r.choices[0].logprobs!.content!;
    expect(content).toHaveLength(6);
    expect(content.map((c) => c.token).join('')).toBe(r.choices[0].message.content);
    for (const c of content) {
      expect(c.logprob).toBeLessThanOrEqual(0);
      expect(c.top_logprobs).toHaveLength(3);
      expect(c.top_logprobs[0].logprob).toBeGreaterThanOrEqual(c.top_logprobs[2].logprob);
      expect(c.bytes).toEqual([...new TextEncoder().encode(c.token)]);
    }
    const stream = await client.chat.completions.create({
      model: 'x',
      messages,
      temperature: 0,
      max_tokens: 6,
      logprobs: true,
      top_logprobs: 3,
      stream: true,
    });
    const streamed: string[] = [];
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      for (const c of chunk.choices[0]?.logprobs?.content ?? []) streamed.push(c.token);
    }
    expect(text).toBe(r.choices[0].message.content);
    expect(streamed).toEqual(content.map((c) => c.token));
  });

  it('constrains the reply to a JSON schema (response_format)', async () => {
    const schema = {
      type: 'object',
      properties: { mood: { enum: ['happy', 'sad'] } },
      required: ['mood'],
      additionalProperties: false,
    };
    const r = await client.chat.completions.create({
      model: 'x',
      messages,
      temperature: 0,
      max_tokens: 200,
      response_format: { type: 'json_schema', json_schema: { name: 'story', schema, strict: true } },
    });
    expect(r.choices[0].finish_reason).toBe('stop');
    const value = JSON.parse(r.choices[0].message.content!);
    expect(Object.keys(value)).toEqual(['mood']);
    expect(['happy', 'sad']).toContain(value.mood);
    const o = await client.chat.completions.create({
      model: 'x',
      messages,
      temperature: 0,
      max_tokens: 20,
      response_format: { type: 'json_object' },
    });
    expect(o.choices[0].message.content!.trimStart().startsWith('{')).toBe(true);
  });
});

describe('several clients', () => {
  it('two concurrent requests are queued and both answered correctly', async () => {
    const chatExpected = await engineChatGreedy('Tell me a story about a dog.', 40);
    const textExpected = await engineGreedy('The little cat', 40);
    const [a, b, c] = await Promise.all([
      client.chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'Tell me a story about a dog.' }],
        temperature: 0,
        max_tokens: 40,
      }),
      client.completions.create({ model: 'x', prompt: 'The little cat', temperature: 0, max_tokens: 40 }),
      client.completions
        .create({ model: 'x', prompt: 'The little cat', temperature: 0, max_tokens: 40, stream: true })
        .then(async (s) => {
          let t = '';
          for await (const ch of s) t += ch.choices[0]?.text ?? '';
          return t;
        }),
    ]);
    expect(a.choices[0].message.content).toBe(chatExpected.text);
    expect(b.choices[0].text).toBe(textExpected.text);
    expect(c).toBe(textExpected.text);
  });

  it('with parallel: 2, requests generate at once in two sessions and stay correct', async () => {
    const two = await startServer({ model, parallel: 2, port: 0 });
    try {
      const c2 = new OpenAI({ baseURL: `${two.url}/v1`, apiKey: 'none', maxRetries: 0, timeout: 20_000 });
      const expected = await Promise.all(['The little cat', 'The big dog'].map((p) => engineGreedy(p, 40)));
      const got = await Promise.all(
        ['The little cat', 'The big dog'].map((p) =>
          c2.completions.create({ model: 'x', prompt: p, temperature: 0, max_tokens: 40 }),
        ),
      );
      expect(got.map((g) => g.choices[0].text)).toEqual(expected.map((e) => e.text));
      expect((await (await fetch(`${two.url}/health`)).json()).slots_total).toBe(2);
    } finally {
      await two.close();
    }
  });

  it('a client that disconnects mid-stream stops its generation', async () => {
    const ac = new AbortController();
    const stream = await client.completions.create(
      { model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 240, ignore_eos: true, stream: true } as never,
      { signal: ac.signal },
    );
    let chunks = 0;
    try {
      for await (const _ of stream as unknown as AsyncIterable<unknown>) {
        if (++chunks === 2) {
          ac.abort();
          break;
        }
      }
    } catch {
      // an aborted read may reject
    }
    expect(chunks).toBe(2);
    const e = await nextEvent((x) => x.finishReason === 'abort');
    expect(e.endpoint).toBe('completions');
    expect(e.completionTokens).toBeGreaterThanOrEqual(2);
    expect(e.completionTokens).toBeLessThan(240);
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${API_KEY}` } })
    ).text();
    expect(metrics).toMatch(/^llamats_generations_total\{finish_reason="abort"\} [1-9]$/m);
    // The slot is free again: the next request is answered.
    const r = await client.completions.create({ model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 3 });
    expect(r.usage?.completion_tokens).toBe(3);
  });
});

describe('clients that leave', () => {
  it('a non-streaming request aborted by its client stops, and a queued one leaves the queue', async () => {
    const before = events.length;
    const long = { model: 'x', prompt: PROMPT, temperature: 0, max_tokens: 240, ignore_eos: true } as never;
    const first = new AbortController();
    const queued = new AbortController();
    const a = client.completions.create(long, { signal: first.signal });
    // Wait until the first one generates, then queue a second behind it.
    await waitFor(() => server.metrics().inFlight === 1);
    const b = client.completions.create(long, { signal: queued.signal });
    await waitFor(() => server.metrics().queued === 1);
    queued.abort();
    await expect(b).rejects.toThrow();
    await waitFor(() => server.metrics().queued === 0);
    expect(server.metrics().inFlight).toBe(1);
    first.abort();
    await expect(a).rejects.toThrow();
    const e = await nextEvent((x, i) => i >= before && x.finishReason === 'abort');
    expect(e.completionTokens).toBeLessThan(240);
    // Only the first one ever generated.
    await new Promise((r) => setTimeout(r, 50));
    expect(events.length - before).toBe(1);
  });
});

describe('errors (raw fetch, OpenAI error bodies)', () => {
  it('401 without a key and with a wrong key', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const r = await fetch(`${server.url}/v1/models`, { headers });
      expect(r.status).toBe(401);
      const body = await r.json();
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.param).toBeNull();
      expect(body.error.code).toBe('invalid_api_key');
      expect(body.error.message).toMatch(/API key/);
    }
    await expect(
      new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0 }).models.list(),
    ).rejects.toThrow(OpenAI.AuthenticationError);
  });

  it('404 for an unknown route, 405 for a wrong method', async () => {
    const r = await post('/v1/nope', {});
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({
      error: {
        message: 'Invalid URL (POST /v1/nope)',
        type: 'invalid_request_error',
        param: null,
        code: 'unknown_url',
      },
    });
    const m = await fetch(`${server.url}/v1/chat/completions`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('POST');
    expect(await m.json()).toEqual({
      error: {
        message: 'Method GET is not allowed for /v1/chat/completions; use POST',
        type: 'invalid_request_error',
        param: null,
        code: 'method_not_allowed',
      },
    });
  });

  it('400 for invalid JSON and for invalid parameters, naming the parameter', async () => {
    const bad = await post('/v1/chat/completions', '{"messages": [');
    expect(bad.status).toBe(400);
    const b = await bad.json();
    expect(b.error.type).toBe('invalid_request_error');
    expect(b.error.code).toBe('invalid_json');
    expect(b.error.param).toBeNull();
    expect(b.error.message).toMatch(/parse the JSON body/);
    const cases: [string, unknown, string, RegExp][] = [
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], top_p: 3 }, 'top_p', /between 0 and 1/],
      ['/v1/chat/completions', { messages: [] }, 'messages', /non-empty/],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], n: 2 }, 'n', /Only n = 1/],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 0 }, 'max_tokens', /integer/],
      ['/v1/completions', { prompt: 'hi', stop: 5 }, 'stop', /string or an array/],
      ['/v1/completions', { prompt: ['a', 'b'] }, 'prompt', /one prompt/],
      ['/v1/completions', {}, 'prompt', /'prompt' must be/],
      ['/v1/completions', { prompt: [1, 99999999] }, 'prompt', /outside the vocabulary/],
      ['/v1/completions', { prompt: 'hi', logit_bias: { 99999999: 5 } }, 'logit_bias', /outside the vocabulary/],
      [
        '/v1/chat/completions',
        {
          messages: [{ role: 'user', content: 'hi' }],
          response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'blob' } } },
        },
        'response_format.json_schema.schema',
        /unknown type "blob"/,
      ],
      ['/v1/chat/completions', { messages: [{ role: 'assistant', content: 'hi' }] }, 'messages', /last message/],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], tools: [{}] }, 'tools', /not supported/],
    ];
    for (const [path, body, param, message] of cases) {
      const r = await post(path, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const e = (await r.json()).error;
      expect(e.type).toBe('invalid_request_error');
      expect(e.param).toBe(param);
      expect(e.message).toMatch(message);
    }
  });

  it('400 when the prompt is longer than the context, saying so', async () => {
    const long = 'The cat sat on the mat. '.repeat(60);
    for (const [path, body, param] of [
      ['/v1/completions', { prompt: long, max_tokens: 4 }, 'prompt'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: long }], stream: true }, 'messages'],
    ] as const) {
      const r = await post(path, body);
      expect(r.status).toBe(400);
      expect(await r.json()).toEqual({
        error: {
          message: expect.stringMatching(/^The prompt is \d+ tokens but the context holds 256\./),
          type: 'invalid_request_error',
          param,
          code: 'context_length_exceeded',
        },
      });
    }
    // The official client surfaces it as a BadRequestError.
    await expect(client.completions.create({ model: 'x', prompt: long })).rejects.toThrow(OpenAI.BadRequestError);
  });

  it('413 for a body over the limit', async () => {
    const r = await post('/v1/completions', { prompt: 'x'.repeat(BODY_LIMIT + 10) });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({
      error: {
        message: `The request body is larger than this server accepts (${BODY_LIMIT} bytes)`,
        type: 'invalid_request_error',
        param: null,
        code: 'request_too_large',
      },
    });
    // Still serving.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('survives hostile input: garbage bodies, odd URLs, early disconnects', async () => {
    const raw = (text: string) => rawHttp(server.url!, text, { end: true, timeoutMs: 3000 });
    expect(await raw('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(
      await raw(
        `GET /v1/models/%E0%A4 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\nConnection: close\r\n\r\n`,
      ),
    ).toMatch(/^HTTP\/1\.1 404/);
    // A body cut short, then the socket closed.
    await raw(
      `POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Length: 100\r\n\r\n{"prompt":`,
    );
    for (const body of ['null', '[]', '"x"', '{"prompt": {"a": 1}}', '{"messages": [null]}']) {
      const path = body.includes('messages') ? '/v1/chat/completions' : '/v1/completions';
      const r = await post(path, body);
      expect(r.status, body).toBe(400);
      expect((await r.json()).error.type).toBe('invalid_request_error');
    }
    const h = await (await fetch(`${server.url}/health`)).json();
    expect(h).toMatchObject({ status: 'ok', slots_busy: 0, queued: 0 });
  });
});

describe('fuzzed parameters', () => {
  const KEYS = [
    'max_tokens',
    'max_completion_tokens',
    'temperature',
    'top_p',
    'seed',
    'stop',
    'presence_penalty',
    'frequency_penalty',
    'n',
    'logprobs',
    'top_logprobs',
    'response_format',
    'logit_bias',
    'stream',
    'stream_options',
    'echo',
    'prompt',
    'messages',
    'top_k',
    'min_p',
    'suffix',
    'best_of',
    'model',
  ];
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(-1, 0, 1, 2, 3, 0.5, 1e9, 'x', '', [], {}, { type: 'json_object' }, [1, 2], null, true),
  );

  it('every body gets 200 or an OpenAI 400, and the server keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }),
        async (chat, extra) => {
          const base = chat
            ? { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 }
            : { prompt: 'Hi', max_tokens: 3 };
          const body = { ...base, ...extra };
          // Keep generation short whatever the fuzz chose.
          for (const k of ['max_tokens', 'max_completion_tokens'] as const) {
            const v = body[k as keyof typeof body];
            if (typeof v === 'number' && v > 8) (body as Record<string, unknown>)[k] = 8;
          }
          const r = await post(chat ? '/v1/chat/completions' : '/v1/completions', body);
          const text = await r.text();
          if (r.status === 200) return;
          expect(r.status, `${JSON.stringify(body)} -> ${text}`).toBe(400);
          const e = JSON.parse(text).error;
          expect(typeof e.message).toBe('string');
          expect(e.type).toBe('invalid_request_error');
          expect(e.param === null || typeof e.param === 'string').toBe(true);
          expect(e.code === null || typeof e.code === 'string').toBe(true);
        },
      ),
      { numRuns: 80, seed: 42 },
    );
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(server.metrics().inFlight).toBe(0);
  });
});

describe('a second server: slow bodies, CORS', () => {
  it('408 when a body does not arrive in time; CORS preflight and headers', async () => {
    const other = await startServer({ model, port: 0, bodyTimeoutMs: 300, cors: '*' });
    try {
      // the body promises 100 bytes and stops after 10, the socket left open
      const reply = await rawHttp(
        other.url!,
        'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"prompt":',
        { end: false, timeoutMs: 5000 },
      );
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
      expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).error.code).toBe('request_timeout');
      const pre = await fetch(`${other.url}/v1/chat/completions`, { method: 'OPTIONS' });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
      const h = await fetch(`${other.url}/health`);
      expect(h.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await other.close();
    }
  });
});

describe('GET /metrics', () => {
  it('counts requests and tokens in Prometheus text format', async () => {
    const r = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await r.text();
    expect(text).toMatch(/^# TYPE llamats_requests_total counter$/m);
    expect(text).toMatch(/^llamats_requests_total\{method="POST",route="\/v1\/completions",status="200"\} \d+$/m);
    expect(text).toMatch(/^llamats_requests_total\{method="GET",route="\/v1\/models",status="401"\} \d+$/m);
    const generated = Number(/^llamats_tokens_generated_total (\d+)$/m.exec(text)?.[1]);
    expect(generated).toBe(server.metrics().generatedTokens);
    expect(generated).toBeGreaterThan(100);
    expect(Number(/^llamats_tokens_per_second ([\d.e+]+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^llamats_requests_in_flight 0$/m);
  });
});

describe('close()', () => {
  it('ends a running stream and refuses new connections', async () => {
    const other = await startServer({ model, port: 0 });
    const c = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: 'none', maxRetries: 0, timeout: 20_000 });
    const stream = await c.completions.create({
      model: 'x',
      prompt: PROMPT,
      max_tokens: 240,
      ignore_eos: true,
      stream: true,
    } as never);
    const reading = (async () => {
      let n = 0;
      for await (const _ of stream as unknown as AsyncIterable<unknown>) if (++n === 2) void other.close();
      return n;
    })();
    await expect(reading).rejects.toThrow(/shutting down/);
    await other.close();
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});

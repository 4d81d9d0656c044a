import { demoModelPath, readFixture, readModelGolden } from '@llamats/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model, PromptTooLongError } from '../src/index.js';

describe('engine on the demo model (wasm backend)', () => {
  let model: Model;
  const golden = readModelGolden('stories-demo-Q8_0.gguf');
  beforeAll(async () => {
    const seen: number[] = [];
    model = await loadModel(demoModelPath, { backend: 'wasm', threads: 2, onProgress: (p) => seen.push(p.fraction) });
    expect(seen.at(-1)).toBe(1);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('greedy continuation of the story prompt equals llama.cpp', async () => {
    const g = golden.prompts.story;
    const n = g.greedy_margin!.findIndex((m) => m < 0.3);
    const expected = g.greedy!.slice(0, n < 0 ? undefined : n);
    const gen = model.generate(g.text, { temperature: 0, maxTokens: expected.length });
    const r = await gen.complete();
    expect(model.tokenize(g.text)).toEqual(g.tokens);
    expect(r.tokens).toEqual(expected);
    expect(r.text).toBe(model.tokenizer.decode(expected, { stripLeadingSpace: false }));
  });

  it('streams pieces whose concatenation is the result text, and ends at EOS', async () => {
    const gen = model.createSession().generate('Once upon a time', { temperature: 0, maxTokens: 400 });
    let streamed = '';
    for await (const p of gen) streamed += p.text;
    const r = await gen.result;
    expect(streamed).toBe(r.text);
    expect(r.finishReason).toBe('eos');
    expect(r.text.length).toBeGreaterThan(50);
    expect(r.timings.generatedTokensPerSecond).toBeGreaterThan(0);
  });

  it('stops before a stop string and never emits part of it', async () => {
    const full = await model.createSession().generate('Once upon a time', { temperature: 0, maxTokens: 60 }).text();
    const stop = full.slice(20, 26);
    const r = await model
      .createSession()
      .generate('Once upon a time', { temperature: 0, maxTokens: 60, stop: [stop] })
      .complete();
    expect(r.finishReason).toBe('stop');
    expect(r.text).toBe(full.slice(0, full.indexOf(stop)));
  });

  it('is deterministic for a seed and honours maxTokens', async () => {
    const a = await model
      .createSession()
      .generate('Once upon a time', { seed: 7, temperature: 0.9, maxTokens: 20 })
      .complete();
    const b = await model
      .createSession()
      .generate('Once upon a time', { seed: 7, temperature: 0.9, maxTokens: 20 })
      .complete();
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens.length).toBeLessThanOrEqual(20);
  });

  it('cancels through an AbortSignal', async () => {
    const ac = new AbortController();
    const gen = model
      .createSession()
      .generate('Once upon a time', { temperature: 0, maxTokens: 200, signal: ac.signal });
    let n = 0;
    for await (const _ of gen) if (++n === 3) ac.abort();
    expect((await gen.result).finishReason).toBe('abort');
    expect(n).toBe(3);
  });

  it('reuses the cached prefix for a follow-up prompt', async () => {
    const s = model.createSession();
    const first = await s
      .generate('Once upon a time, there was a little girl named Lily.', { temperature: 0, maxTokens: 5 })
      .complete();
    const second = await s
      .generate('Once upon a time, there was a little girl named Lily. She', { temperature: 0, maxTokens: 5 })
      .complete();
    expect(first.promptTokensEvaluated).toBe(first.promptTokens);
    expect(second.promptTokensEvaluated).toBeLessThan(5);
  });

  it('rejects a prompt longer than the context with a typed error', () => {
    const s = model.createSession({ nCtx: 16 });
    expect(() => s.generate('Once upon a time '.repeat(10))).toThrow(PromptTooLongError);
  });

  it('keeps generating past the context end with context shift', async () => {
    const s = model.createSession({ nCtx: 32, contextShift: { nKeep: 1 } });
    const r = await s.generate('Once upon a time', { temperature: 0, maxTokens: 60, ignoreEos: true }).complete();
    expect(r.tokens.length).toBe(60);
    expect(r.finishReason).toBe('length');
  });

  it('chats with the model template, reusing the cache across turns', async () => {
    const chat = model.chat({ system: 'Tell stories.' });
    const one = await chat.send('Once upon a time', { temperature: 0, maxTokens: 8 }).complete();
    const two = await chat.send('And then?', { temperature: 0, maxTokens: 8 }).complete();
    expect(chat.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
    expect(two.promptTokensEvaluated).toBeLessThan(two.promptTokens);
    expect(one.tokens.length).toBeGreaterThan(0);
  });

  it('leaves the chat history unchanged when a turn cannot start', () => {
    const chat = model.chat({ session: { nCtx: 16 } });
    expect(() => chat.send('Once upon a time '.repeat(10))).toThrow(PromptTooLongError);
    expect(chat.messages).toEqual([]);
  });

  it('computes perplexity like llama-perplexity on held-out stories', async () => {
    const text = readFixture('prompts/stories-heldout.txt').toString('utf8');
    const ref = (golden.perplexity_stories as { ppl: number }).ppl;
    const r = await model.perplexity(text, { nCtx: 128 });
    expect(Math.abs(r.ppl - ref) / ref).toBeLessThan(0.01);
  });
});

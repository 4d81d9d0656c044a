/**
 * OpenAI request parameters to engine options, and engine results to OpenAI's response and chunk shapes
 * (`chat.completion`, `chat.completion.chunk`, `text_completion`).
 */
import { randomBytes } from 'node:crypto';
import type { FinishReason, GeneratedPiece, GenerateOptions, GenerationResult } from '@llamats/engine';
import type { ChatCompletionRequest, CompletionRequest, SamplingRequest } from './validate.js';

export type OpenAiFinishReason = 'stop' | 'length';

/** `eos` and stop strings are OpenAI's `stop`; the token limit and a full context are `length`. */
export function finishReasonOf(r: FinishReason): OpenAiFinishReason {
  return r === 'length' || r === 'context' ? 'length' : 'stop';
}

export function completionId(prefix: 'chatcmpl' | 'cmpl'): string {
  return `${prefix}-${randomBytes(12).toString('base64url')}`;
}

/** Translates the parameters both endpoints share. */
function samplingOptions(r: SamplingRequest): GenerateOptions {
  const o: Record<string, unknown> = {};
  if (r.temperature !== undefined) o.temperature = r.temperature;
  if (r.top_p !== undefined) o.topP = r.top_p;
  if (r.top_k !== undefined) o.topK = r.top_k;
  if (r.min_p !== undefined) o.minP = r.min_p;
  if (r.repeat_penalty !== undefined) o.repeatPenalty = r.repeat_penalty;
  if (r.presence_penalty !== undefined) o.presencePenalty = r.presence_penalty;
  if (r.frequency_penalty !== undefined) o.frequencyPenalty = r.frequency_penalty;
  // OpenAI seeds are any integer; the sampler takes a uint32.
  if (r.seed !== undefined) o.seed = r.seed >>> 0;
  if (r.ignore_eos) o.ignoreEos = true;
  if (r.stop !== undefined) o.stop = (typeof r.stop === 'string' ? [r.stop] : r.stop).filter((s) => s !== '');
  if (r.logit_bias !== undefined) {
    // OpenAI: -100 bans a token, 100 makes it (nearly) certain.
    o.logitBias = Object.entries(r.logit_bias).map(([id, bias]) => [
      Number(id),
      bias <= -100 ? Number.NEGATIVE_INFINITY : bias,
    ]);
  }
  return o as GenerateOptions;
}

export function chatGenerateOptions(r: ChatCompletionRequest, signal: AbortSignal): GenerateOptions {
  const o: Record<string, unknown> = { ...samplingOptions(r), signal };
  // No limit by default (as OpenAI's chat endpoint): until end of turn or a full context.
  o.maxTokens = r.max_completion_tokens ?? r.max_tokens ?? -1;
  if (r.logprobs) {
    o.logprobs = true;
    if (r.top_logprobs) o.topLogprobs = r.top_logprobs;
  }
  const f = r.response_format;
  if (f?.type === 'json_object') o.jsonSchema = { type: 'object' };
  else if (f?.type === 'json_schema') o.jsonSchema = f.json_schema.schema ?? {};
  return o as GenerateOptions;
}

export function completionGenerateOptions(r: CompletionRequest, signal: AbortSignal): GenerateOptions {
  const o: Record<string, unknown> = { ...samplingOptions(r), signal };
  o.maxTokens = r.max_tokens ?? 16; // OpenAI's default for /v1/completions
  if (typeof r.logprobs === 'number') {
    o.logprobs = true;
    if (r.logprobs > 0) o.topLogprobs = r.logprobs;
  }
  return o as GenerateOptions;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens whose KV cache entries were reused from the previous request in the session. */
  prompt_tokens_details: { cached_tokens: number };
}

export function usageOf(r: GenerationResult): Usage {
  const completion = r.tokens.length;
  return {
    prompt_tokens: r.promptTokens,
    completion_tokens: completion,
    total_tokens: r.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: r.promptTokens - r.promptTokensEvaluated },
  };
}

const utf8 = new TextEncoder();

/** Token text for log-probability entries. */
export type PieceText = (token: number) => string;

export interface ChatLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

/** One `logprobs.content` entry of the chat API, or undefined for a piece that carries none. */
export function chatLogprob(p: GeneratedPiece, text: PieceText): ChatLogprob | undefined {
  if (p.token < 0 || p.logprob === undefined) return undefined;
  const token = text(p.token);
  return {
    token,
    logprob: p.logprob,
    bytes: [...utf8.encode(token)],
    top_logprobs: (p.topLogprobs ?? []).map((t) => ({
      token: t.text,
      logprob: t.logprob,
      bytes: [...utf8.encode(t.text)],
    })),
  };
}

/** The legacy completions `logprobs` object. */
export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  text_offset: number[];
}

export class CompletionLogprobsBuilder {
  private offset: number;
  constructor(
    private readonly text: PieceText,
    startOffset: number,
  ) {
    this.offset = startOffset;
  }

  empty(): CompletionLogprobs {
    return { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  }

  add(into: CompletionLogprobs, p: GeneratedPiece): void {
    if (p.token < 0 || p.logprob === undefined) return;
    const t = this.text(p.token);
    into.tokens.push(t);
    into.token_logprobs.push(p.logprob);
    into.top_logprobs.push(Object.fromEntries((p.topLogprobs ?? []).map((x) => [x.text, x.logprob])));
    into.text_offset.push(this.offset);
    this.offset += t.length;
  }
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

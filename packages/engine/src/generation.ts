/**
 * The generate loop — the one place where tokens are sampled, streamed as text, and checked against
 * stop conditions. `Model.generate`, `Chat.send`, the CLI, the server and the web app all go through it.
 */
import type { LlamaContext } from '@llamats/model-llama';
import { ContextFullError, yieldToEventLoop } from '@llamats/model-llama';
import type { Sampler } from '@llamats/sampler';
import type { Tokenizer } from '@llamats/tokenizer';
import { StopStringMatcher } from './stop-strings.js';

export type FinishReason = 'stop' | 'length' | 'eos' | 'abort' | 'context';

export interface GeneratedPiece {
  /** The sampled token id. */
  readonly token: number;
  /** Text released by this token (may be empty while a UTF-8 character or a possible stop string is incomplete). */
  readonly text: string;
  /** Log-probability of the token under the model's (unmodified) distribution, when `logprobs` was asked. */
  readonly logprob?: number;
  /** The most likely alternatives, when `topLogprobs` > 0. */
  readonly topLogprobs?: ReadonlyArray<{ token: number; text: string; logprob: number }>;
}

export interface GenerationResult {
  readonly text: string;
  readonly tokens: number[];
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  /** Prompt tokens actually evaluated (the rest came from the cache). */
  readonly promptTokensEvaluated: number;
  readonly timings: {
    /** Milliseconds to evaluate the prompt. */
    readonly promptMs: number;
    /** Milliseconds spent generating after the prompt. */
    readonly generateMs: number;
    readonly promptTokensPerSecond: number;
    readonly generatedTokensPerSecond: number;
  };
}

export interface LoopOptions {
  readonly maxTokens: number;
  readonly stop: readonly string[];
  readonly signal?: AbortSignal;
  readonly onPrefillProgress?: (done: number, total: number) => void;
  readonly logprobs?: boolean;
  readonly topLogprobs?: number;
  /** Stop at end-of-generation tokens (default true). */
  readonly stopAtEog?: boolean;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * A running generation: iterate it for pieces (`for await (const p of gen)`), or await `gen.result`
 * (which also drives it when nobody iterates). Iterate it once.
 */
export class Generation implements AsyncIterable<GeneratedPiece> {
  private started = false;
  private resolveResult!: (r: GenerationResult) => void;
  private rejectResult!: (e: unknown) => void;
  /** Settles when generation ends: the full text, tokens, finish reason and timings. */
  readonly result: Promise<GenerationResult>;

  constructor(
    private readonly ctx: LlamaContext,
    private readonly tokenizer: Tokenizer,
    private readonly sampler: Sampler,
    private readonly prompt: readonly number[],
    private readonly options: LoopOptions,
    private readonly onDone?: () => void,
  ) {
    this.result = new Promise((res, rej) => {
      this.resolveResult = res;
      this.rejectResult = rej;
    });
    // Avoid unhandled-rejection noise when the caller only iterates.
    this.result.catch(() => {});
  }

  /** Drives the generation to the end and returns the result (text, tokens, timings). */
  async complete(): Promise<GenerationResult> {
    if (!this.started) for await (const _ of this) void _;
    return this.result;
  }

  /** Concatenated text of the whole generation. */
  async text(): Promise<string> {
    return (await this.complete()).text;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<GeneratedPiece> {
    if (this.started) throw new Error('A Generation can be iterated only once');
    this.started = true;
    try {
      const result = yield* this.loop();
      this.resolveResult(result);
    } catch (e) {
      this.rejectResult(e);
      throw e;
    } finally {
      this.onDone?.();
    }
  }

  private async *loop(): AsyncGenerator<GeneratedPiece, GenerationResult> {
    const ctx = this.ctx;
    const tokenizer = this.tokenizer;
    const sampler = this.sampler;
    const options = this.options;
    const t0 = now();
    const cachedBefore = commonPrefix(ctx.tokens, this.prompt);
    let logits = await ctx.evaluateSequence(this.prompt, {
      signal: options.signal,
      onProgress: options.onPrefillProgress,
    });
    const promptEvaluated = this.prompt.length - Math.min(cachedBefore, this.prompt.length - 1);
    const t1 = now();
    // Generated text continues the prompt: keep its leading space (only a whole-text decode strips it).
    const decoder = tokenizer.createStreamDecoder({ stripLeadingSpace: false });
    const stops = new StopStringMatcher(options.stop);
    const tokens: number[] = [];
    let text = '';
    let finishReason: FinishReason = 'length';
    for (let i = 0; i < options.maxTokens; i++) {
      // One macrotask per token (~µs): lets Ctrl-C, timers and socket events reach the signal during decode.
      if (i > 0) await yieldToEventLoop();
      if (options.signal?.aborted) {
        finishReason = 'abort';
        break;
      }
      const wantLogprobs = options.logprobs || (options.topLogprobs ?? 0) > 0;
      const detailed = wantLogprobs
        ? sampler.sampleDetailed(logits, { topLogprobs: options.topLogprobs ?? 0 })
        : undefined;
      const token = detailed ? detailed.token : sampler.sample(logits);
      sampler.accept(token);
      if (options.stopAtEog !== false && tokenizer.isEog(token)) {
        finishReason = 'eos';
        break;
      }
      tokens.push(token);
      const { emit, stopped } = stops.push(decoder.push(token));
      text += emit;
      yield {
        token,
        text: emit,
        logprob: detailed?.logprob,
        topLogprobs: detailed?.topLogprobs?.map((t) => ({
          token: t.token,
          text: tokenizer.tokenToPiece(t.token),
          logprob: t.logprob,
        })),
      };
      if (stopped) {
        finishReason = 'stop';
        break;
      }
      if (i + 1 >= options.maxTokens) break;
      try {
        logits = await ctx.evaluate([token], { signal: options.signal });
      } catch (e) {
        if (e instanceof ContextFullError) {
          finishReason = 'context';
          break;
        }
        if (options.signal?.aborted) {
          finishReason = 'abort';
          break;
        }
        throw e;
      }
    }
    if (finishReason !== 'stop') {
      const tail = stops.push(decoder.flush()).emit + stops.flush();
      if (tail) {
        text += tail;
        yield { token: -1, text: tail };
      }
    }
    const t2 = now();
    return {
      text,
      tokens,
      finishReason,
      promptTokens: this.prompt.length,
      promptTokensEvaluated: promptEvaluated,
      timings: {
        promptMs: t1 - t0,
        generateMs: t2 - t1,
        promptTokensPerSecond: (promptEvaluated * 1000) / Math.max(t1 - t0, 1e-6),
        generatedTokensPerSecond: (tokens.length * 1000) / Math.max(t2 - t1, 1e-6),
      },
    };
  }
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

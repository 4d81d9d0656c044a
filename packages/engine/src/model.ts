/**
 * `loadModel` and the `Model` facade: a GGUF file becomes a tokenizer, a chat template, weights in a
 * backend, and sessions that generate text.
 */
import { type GgufFile, parseGguf } from '@llamats/gguf-format';
import { type ContextOptions, type LlamaConfig, LlamaModel, perplexity } from '@llamats/model-llama';
import { createSampler, type SamplerOptions, type SamplerVocab } from '@llamats/sampler';
import type { Backend } from '@llamats/tensor-core';
import { Tokenizer } from '@llamats/tokenizer';
import { type BackendChoice, createBackend } from './backends.js';
import { Chat, type ChatOptions } from './chat.js';
import { PromptTooLongError } from './errors.js';
import { Generation } from './generation.js';
import { type ModelInput, openSource } from './source.js';

export interface LoadProgressEvent {
  readonly loadedBytes: number;
  readonly totalBytes: number;
  /** 0..1 */
  readonly fraction: number;
  readonly tensor: string;
}

export interface LoadOptions {
  /** `'auto'` (default), `'wasm'`, `'webgpu'`, `'reference'`, or a backend instance. */
  backend?: BackendChoice | Backend;
  /** wasm compute threads (default 'auto'). */
  threads?: number | 'auto';
  onProgress?: (p: LoadProgressEvent) => void;
  signal?: AbortSignal;
}

export interface GenerateOptions extends SamplerOptions {
  /** A GBNF grammar the output must match. */
  grammar?: string;
  /** A JSON schema the output must match. */
  jsonSchema?: unknown;
  /** Most tokens to generate (default 256; -1 means until the context is full). */
  maxTokens?: number;
  /** Stop strings: generation ends before the first one, which is not emitted. */
  stop?: readonly string[];
  signal?: AbortSignal;
  onPrefillProgress?: (done: number, total: number) => void;
  /** Add BOS/EOS as the model asks (default true for text prompts). */
  addSpecial?: boolean;
  /** Recognise special-token text such as `<s>` in the prompt (default false; true for chat). */
  parseSpecial?: boolean;
  logprobs?: boolean;
  topLogprobs?: number;
}

export type SessionOptions = ContextOptions;

/** A context (KV cache) bound to a model. One generation at a time. */
export class Session {
  private busy = false;
  constructor(
    readonly model: Model,
    readonly context: ReturnType<LlamaModel['createContext']>,
  ) {}

  /** Generates a continuation of `prompt` (text or token ids), reusing whatever prefix the cache holds. */
  generate(prompt: string | readonly number[], options: GenerateOptions = {}): Generation {
    if (this.busy) throw new Error('This session is already generating; create another session or wait');
    const tokens =
      typeof prompt === 'string'
        ? this.model.tokenize(prompt, {
            addSpecial: options.addSpecial ?? true,
            parseSpecial: options.parseSpecial ?? false,
          })
        : [...prompt];
    if (tokens.length === 0) tokens.push(this.model.tokenizer.bos ?? 0);
    if (tokens.length >= this.context.nCtx) throw new PromptTooLongError(tokens.length, this.context.nCtx);
    const needsVocab =
      options.grammar !== undefined ||
      options.jsonSchema !== undefined ||
      (options.dryMultiplier ?? 0) > 0 ||
      options.ignoreEos;
    const sampler = createSampler({
      ...options,
      contextSize: this.context.nCtx,
      vocab: needsVocab ? this.model.samplerVocab() : undefined,
    });
    sampler.acceptPrompt(tokens);
    const maxTokens =
      options.maxTokens === undefined ? 256 : options.maxTokens < 0 ? Number.POSITIVE_INFINITY : options.maxTokens;
    this.busy = true;
    return new Generation(
      this.context,
      this.model.tokenizer,
      sampler,
      tokens,
      {
        maxTokens,
        stop: options.stop ?? [],
        signal: options.signal,
        onPrefillProgress: options.onPrefillProgress,
        logprobs: options.logprobs,
        topLogprobs: options.topLogprobs,
      },
      () => {
        this.busy = false;
      },
    );
  }

  /** Session file bytes (tokens + KV cache). */
  save(): Promise<Uint8Array> {
    return this.context.saveState();
  }

  load(bytes: Uint8Array): void {
    this.context.loadState(bytes);
  }

  reset(): void {
    this.context.clear();
  }

  dispose(): void {
    this.context.dispose();
  }
}

export class Model {
  private defaultSession: Session | undefined;

  private constructor(
    readonly gguf: GgufFile,
    readonly llama: LlamaModel,
    readonly tokenizer: Tokenizer,
  ) {}

  /** Loads a model from a path (Node), URL, File/Blob, bytes or ByteSource. */
  static async load(input: ModelInput, options: LoadOptions = {}): Promise<Model> {
    const source = await openSource(input, options.signal);
    try {
      const gguf = await parseGguf(source, { signal: options.signal });
      const tokenizer = Tokenizer.fromGguf(gguf);
      const backend = await createBackend(options.backend ?? 'auto', { threads: options.threads });
      const llama = await LlamaModel.load(gguf, {
        backend,
        signal: options.signal,
        onProgress: options.onProgress
          ? (p) => options.onProgress!({ ...p, fraction: p.totalBytes ? p.loadedBytes / p.totalBytes : 1 })
          : undefined,
      });
      return new Model(gguf, llama, tokenizer);
    } catch (e) {
      await source.close?.();
      throw e;
    }
  }

  get config(): LlamaConfig {
    return this.llama.config;
  }

  get backend(): Backend {
    return this.llama.backend;
  }

  private vocabForSampler: SamplerVocab | undefined;

  /** Token pieces and end-of-generation ids, for grammars and DRY (built once). */
  samplerVocab(): SamplerVocab {
    const t = this.tokenizer;
    this.vocabForSampler ??= {
      pieces: Array.from({ length: t.vocabSize }, (_, id) => (t.isControl(id) ? new Uint8Array(0) : t.tokenBytes(id))),
      eog: t.eogTokens,
      tokenize: (text: string) => this.tokenize(text, { addSpecial: false }),
    };
    return this.vocabForSampler;
  }

  tokenize(text: string, options: { addSpecial?: boolean; parseSpecial?: boolean } = {}): number[] {
    return Array.from(
      this.tokenizer.encode(text, {
        addSpecial: options.addSpecial ?? true,
        parseSpecial: options.parseSpecial ?? false,
      }),
    );
  }

  detokenize(tokens: readonly number[]): string {
    return this.tokenizer.decode(tokens);
  }

  createSession(options?: SessionOptions): Session {
    return new Session(this, this.llama.createContext(options));
  }

  /** Generates with the model's default session (created on first use). */
  generate(prompt: string | readonly number[], options?: GenerateOptions): Generation {
    this.defaultSession ??= this.createSession();
    return this.defaultSession.generate(prompt, options);
  }

  /** Starts a chat (a session plus message history rendered with the model's chat template). */
  chat(options: ChatOptions = {}): Chat {
    return new Chat(this, this.createSession(options.session), options);
  }

  /** Perplexity of `text` as llama-perplexity computes it. */
  perplexity(
    text: string,
    options: { nCtx: number; onChunk?: (chunk: number, n: number, ppl: number) => void; signal?: AbortSignal },
  ) {
    const tokens = this.tokenize(text, { addSpecial: true });
    return perplexity(this.llama, tokens, {
      ...options,
      bos: this.tokenizer.addBos ? (this.tokenizer.bos ?? undefined) : undefined,
    });
  }

  /** Frees backend memory and closes the file. */
  async dispose(): Promise<void> {
    this.llama.dispose();
    this.backend.dispose();
    await this.gguf.source.close?.();
  }
}

/** Loads a model: `const model = await loadModel('./tinyllama.Q4_K_M.gguf', { onProgress })`. */
export function loadModel(input: ModelInput, options?: LoadOptions): Promise<Model> {
  return Model.load(input, options);
}

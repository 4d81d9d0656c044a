/**
 * An evaluation context: a KV cache plus the tokens it holds. Cell i of the cache holds token i at
 * position i (context shifting renumbers positions so this stays true). Evaluating a sequence that shares
 * a prefix with what the cache holds only computes the new tokens.
 */
import type { Backend, KvCache } from '@llamats/tensor-core';
import type { LlamaConfig } from './config.js';
import { ContextFullError, ModelError } from './errors.js';
import {
  createForwardState,
  FFN_SLICE_TOKENS,
  type ForwardState,
  forward,
  freeForwardState,
  ropeParams,
} from './forward.js';
import type { LlamaWeights } from './weights.js';
import { yieldToEventLoop } from './yield.js';

export interface ContextOptions {
  /** Context size in tokens (default: the model's, capped so the KV cache stays under ~1 GiB). */
  nCtx?: number;
  /** Tokens evaluated per forward pass during prefill (default 64). */
  nBatch?: number;
  /**
   * Tokens per feed-forward slice within a batch (default 256): the block's two `[slice, n_ff]` f32 buffers
   * are the largest activations, so a smaller slice lowers peak memory for long batches, at some prompt
   * speed (each slice streams the feed-forward weights again). Backends without row views run whole batches.
   */
  ffnSliceTokens?: number;
  /** KV cache element type (default 'f16', as llama.cpp). */
  kvType?: 'f16' | 'f32';
  /**
   * What to do when the context is full: `false` (default) throws {@link ContextFullError};
   * `{ nKeep }` keeps the first `nKeep` tokens and drops the oldest half of the rest, as llama.cpp does.
   */
  contextShift?: false | { nKeep: number };
}

export interface EvaluateOptions {
  /** Return logits for every evaluated token (`[n, n_vocab]`), not only the last. */
  allLogits?: boolean;
  /** Called after each batch with tokens done / total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const SESSION_MAGIC = 0x4c4c5453; // "LLTS"
const SESSION_VERSION = 1;

export function defaultContextSize(c: LlamaConfig, kvType: 'f16' | 'f32'): number {
  const bytesPerCell = 2 * c.blockCount * c.kvDim * (kvType === 'f16' ? 2 : 4);
  const fit = Math.floor((1 << 30) / bytesPerCell);
  return Math.max(Math.min(c.contextLength, fit, 8192), Math.min(c.contextLength, 512));
}

export class LlamaContext {
  readonly nCtx: number;
  readonly nBatch: number;
  private readonly cache: KvCache;
  private readonly state: ForwardState;
  private readonly held: number[] = [];
  private disposed = false;
  private readonly shift: false | { nKeep: number };

  constructor(
    private readonly backend: Backend,
    readonly config: LlamaConfig,
    private readonly weights: LlamaWeights,
    options: ContextOptions = {},
  ) {
    const kvType = options.kvType ?? 'f16';
    this.nCtx = options.nCtx ?? defaultContextSize(config, kvType);
    if (!Number.isInteger(this.nCtx) || this.nCtx < 1)
      throw new RangeError(`nCtx must be a positive integer, got ${this.nCtx}`);
    this.nBatch = Math.min(options.nBatch ?? 64, this.nCtx);
    if (!Number.isInteger(this.nBatch) || this.nBatch < 1) throw new RangeError(`nBatch must be a positive integer`);
    this.shift = options.contextShift ?? false;
    this.cache = backend.createKvCache({
      nLayer: config.blockCount,
      nCtx: this.nCtx,
      nHeadKv: config.headCountKv,
      headDim: config.headDim,
      type: kvType,
    });
    const slice = options.ffnSliceTokens ?? FFN_SLICE_TOKENS;
    if (!Number.isInteger(slice) || slice < 1)
      throw new RangeError(`ffnSliceTokens must be a positive integer, got ${slice}`);
    this.state = createForwardState(backend, config, this.nBatch, slice);
  }

  /** Tokens whose keys and values the cache holds, in order. */
  get tokens(): readonly number[] {
    return this.held;
  }

  get nPast(): number {
    return this.held.length;
  }

  /** Forgets every cell from `n` on. */
  truncate(n: number): void {
    if (n < this.held.length) this.held.length = Math.max(0, n);
  }

  clear(): void {
    this.held.length = 0;
  }

  /**
   * Appends `tokens` to the context and evaluates them in batches. Returns the logits of the last token
   * (`[n_vocab]`), or of every token (`[n, n_vocab]`) with `allLogits`.
   */
  async evaluate(tokens: ArrayLike<number>, options: EvaluateOptions = {}): Promise<Float32Array> {
    this.checkAlive();
    const n = tokens.length;
    if (n === 0) throw new ModelError('evaluate() needs at least one token');
    this.makeRoom(n);
    const vocab = this.config.vocabSize;
    const all = options.allLogits ? new Float32Array(n * vocab) : undefined;
    let last: Float32Array | undefined;
    for (let done = 0; done < n; ) {
      if (done > 0) await yieldToEventLoop(); // between prefill batches: let signals and I/O in
      options.signal?.throwIfAborted();
      const m = Math.min(this.nBatch, n - done);
      const batch = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const id = tokens[done + i];
        if (!Number.isInteger(id) || id < 0 || id >= vocab) {
          throw new ModelError(`Token id ${id} is outside the vocabulary (0..${vocab - 1})`);
        }
        batch[i] = id;
      }
      forward(this.backend, this.config, this.weights, this.state, this.cache, batch, this.held.length, !!all);
      for (let i = 0; i < m; i++) this.held.push(batch[i]);
      done += m;
      if (all) all.set(await this.backend.readTensor(this.state.allLogits!, 0, m * vocab), (done - m) * vocab);
      else if (done === n) last = await this.backend.readTensor(this.state.logits, 0, vocab);
      else await this.backend.readTensor(this.state.logits, 0, 1); // keep progress honest on queued backends
      options.onProgress?.(done, n);
    }
    return all ?? last!;
  }

  /**
   * Makes the context hold exactly `tokens`, reusing the longest common prefix already cached, and returns
   * the logits after the last token. At least the last token is always evaluated (its logits are needed).
   */
  async evaluateSequence(
    tokens: ArrayLike<number>,
    options: Omit<EvaluateOptions, 'allLogits'> = {},
  ): Promise<Float32Array> {
    let common = 0;
    const limit = Math.min(this.held.length, tokens.length - 1);
    while (common < limit && this.held[common] === tokens[common]) common++;
    this.truncate(common);
    return this.evaluate(Array.prototype.slice.call(tokens, common), options);
  }

  /** Ensures `n` more tokens fit, shifting the context if allowed. */
  private makeRoom(n: number): void {
    if (this.held.length + n <= this.nCtx) return;
    if (!this.shift) throw new ContextFullError(this.nCtx, this.held.length + n);
    const nKeep = Math.min(this.shift.nKeep, this.held.length);
    while (this.held.length + n > this.nCtx) {
      const nLeft = this.held.length - nKeep;
      const nDiscard = Math.max(Math.floor(nLeft / 2), Math.min(nLeft, this.held.length + n - this.nCtx));
      if (nDiscard <= 0) throw new ContextFullError(this.nCtx, nKeep + n);
      this.shiftOut(nKeep, nDiscard);
    }
  }

  /** Drops cells `[nKeep, nKeep + nDiscard)` and moves the rest down, re-rotating their keys. */
  shiftOut(nKeep: number, nDiscard: number): void {
    const count = this.held.length - nKeep - nDiscard;
    if (count > 0) {
      this.backend.shiftKv(
        this.cache,
        nKeep + nDiscard,
        nKeep,
        count,
        -nDiscard,
        ropeParams(this.config, this.weights, this.config.headCountKv),
      );
    }
    this.held.splice(nKeep, nDiscard);
  }

  /** Serialises the context (tokens and KV cache) to bytes: a session file. */
  async saveState(): Promise<Uint8Array> {
    this.checkAlive();
    const kv = await this.backend.saveKvCache(this.cache, this.held.length);
    const header = new Uint32Array([
      SESSION_MAGIC,
      SESSION_VERSION,
      this.config.blockCount,
      this.config.kvDim,
      this.held.length,
    ]);
    const out = new Uint8Array(header.byteLength + this.held.length * 4 + kv.byteLength);
    out.set(new Uint8Array(header.buffer), 0);
    out.set(new Uint8Array(Int32Array.from(this.held).buffer), header.byteLength);
    out.set(kv, header.byteLength + this.held.length * 4);
    return out;
  }

  /** Restores what {@link saveState} produced (same model, context at least as large). */
  loadState(bytes: Uint8Array): void {
    this.checkAlive();
    const copy = bytes.slice();
    if (copy.byteLength < 20) throw new ModelError('Session data is too short to be a llamats session');
    const header = new Uint32Array(copy.buffer, 0, 5);
    if (header[0] !== SESSION_MAGIC || header[1] !== SESSION_VERSION) {
      throw new ModelError('Not a llamats session (bad magic or version)');
    }
    if (header[2] !== this.config.blockCount || header[3] !== this.config.kvDim) {
      throw new ModelError('This session was saved with a different model');
    }
    const nTokens = header[4];
    if (nTokens > this.nCtx) throw new ContextFullError(this.nCtx, nTokens);
    const tokens = new Int32Array(copy.buffer.slice(20, 20 + nTokens * 4));
    const restored = this.backend.loadKvCache(this.cache, copy.subarray(20 + nTokens * 4));
    if (restored !== nTokens) throw new ModelError('Session token count and KV data disagree');
    this.held.length = 0;
    for (const t of tokens) this.held.push(t);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backend.free(this.cache);
    freeForwardState(this.backend, this.state);
  }

  private checkAlive(): void {
    if (this.disposed) throw new ModelError('This context has been disposed');
  }
}

/** A loaded LLaMA model: configuration, weights in backend memory, and contexts created from it. */
import { type ByteSource, type GgufFile, parseGguf } from '@llamats/gguf-format';
import type { Backend } from '@llamats/tensor-core';
import { type LlamaConfig, readLlamaConfig } from './config.js';
import { type ContextOptions, LlamaContext } from './context.js';
import { type LlamaWeights, type LoadProgress, loadWeights, planWeights } from './weights.js';

export interface LoadModelOptions {
  /** Where the weights live and ops run. */
  backend: Backend;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

export class LlamaModel {
  private readonly contexts = new Set<LlamaContext>();
  private disposed = false;

  private constructor(
    readonly gguf: GgufFile,
    readonly config: LlamaConfig,
    readonly backend: Backend,
    readonly weights: LlamaWeights,
  ) {}

  /**
   * Loads a model: reads the header, checks every tensor the graph needs (failing before any weight is
   * read), then streams the weights into the backend.
   */
  static async load(input: GgufFile | ByteSource, options: LoadModelOptions): Promise<LlamaModel> {
    const gguf = 'tensors' in input ? input : await parseGguf(input, { signal: options.signal });
    const config = readLlamaConfig(gguf);
    const plan = planWeights(gguf, config, options.backend);
    const weights = await loadWeights(config, options.backend, plan, options);
    return new LlamaModel(gguf, config, options.backend, weights);
  }

  createContext(options?: ContextOptions): LlamaContext {
    if (this.disposed) throw new Error('This model has been disposed');
    const ctx = new LlamaContext(this.backend, this.config, this.weights, options);
    this.contexts.add(ctx);
    return ctx;
  }

  /** Frees the contexts and the weights. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.contexts) c.dispose();
    this.contexts.clear();
    const w = this.weights;
    // A set: the output projection may be the embedding table itself (tied weights).
    const all = new Set([
      w.tokenEmbd,
      w.outputNorm,
      w.output,
      w.ropeFreqs,
      ...w.layers.flatMap((L) => Object.values(L)),
    ]);
    for (const t of all) if (t) this.backend.free(t);
  }
}

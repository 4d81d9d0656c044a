/** Loading a model for the commands that compute: resolve MODEL, then load with a progress bar. */
import { loadModel, type Model } from '@llamats/engine';
import type { CommandContext } from './context.js';
import type { ModelFlags } from './generation-options.js';
import { resolveModel } from './model-source.js';
import { progressBar } from './progress.js';

export interface LoadedModel {
  readonly model: Model;
  readonly path: string;
  /** Milliseconds from opening the file to ready. */
  readonly loadMs: number;
}

export async function loadModelFor(
  ctx: CommandContext,
  ref: string | undefined,
  flags: ModelFlags,
): Promise<LoadedModel> {
  const path = await resolveModel(ref, { signal: ctx.signal });
  const bar = progressBar({ title: 'loading' });
  const t0 = performance.now();
  try {
    const model = await loadModel(path, {
      backend: flags.backend ?? 'auto',
      threads: flags.threads ?? 'auto',
      signal: ctx.signal,
      onProgress: (p) => bar.update(p.loadedBytes, p.totalBytes, p.tensor),
    });
    bar.done();
    const loadMs = performance.now() - t0;
    if (ctx.verbose) {
      const { kind, detail } = model.backend.info;
      ctx.note(`loaded ${path} on the ${kind} backend (${detail}) in ${loadMs.toFixed(0)} ms`);
    }
    return { model, path, loadMs };
  } catch (e) {
    bar.done();
    throw e;
  }
}

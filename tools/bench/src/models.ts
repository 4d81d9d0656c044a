/** The bench models (BENCH.md): random-weight LLaMA shapes made by `@llamats/make-model`, cached on disk. */
import { type MadeModel, makeModel } from '@llamats/make-model';
import { modelsDir } from './paths.js';

export interface ModelSpec {
  readonly shape: string;
  /** llama.cpp file type: Q4_K_M, Q8_0, Q4_0... */
  readonly type: string;
}

export const DEFAULT_MODELS: readonly ModelSpec[] = [
  { shape: 'tinyllama-shape', type: 'Q4_K_M' },
  { shape: 'tinyllama-shape', type: 'Q8_0' },
  { shape: 'tinyllama-shape', type: 'Q4_0' },
];
export const QUICK_MODELS: readonly ModelSpec[] = [
  { shape: 'tinyllama-shape', type: 'Q4_0' },
  { shape: 'tinyllama-shape', type: 'Q8_0' },
];
/** Optional (`--llama7b`): about 3.8 GiB on disk and minutes to write. */
export const LLAMA7B_MODEL: ModelSpec = { shape: 'llama7b-shape', type: 'Q4_K_M' };

/** `shape:TYPE` → spec (`tinyllama-shape:Q4_K_M`). */
export function parseModelSpec(text: string): ModelSpec {
  const [shape, type] = text.split(':');
  if (!shape || !type) throw new Error(`A model is SHAPE:TYPE (e.g. tinyllama-shape:Q4_K_M), got "${text}"`);
  return { shape, type };
}

export const modelLabel = (m: ModelSpec) => `${m.shape} ${m.type}`;

/** Makes (or finds, when already written with the right size) a bench model. */
export function ensureModel(
  spec: ModelSpec,
  options: { outDir?: string; log?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<MadeModel> {
  let last = 0;
  return makeModel({
    shape: spec.shape,
    type: spec.type,
    outDir: options.outDir ?? modelsDir,
    signal: options.signal,
    onProgress: ({ bytesWritten, totalBytes }) => {
      const now = performance.now();
      if (now - last < 5000) return;
      last = now;
      options.log?.(`writing ${modelLabel(spec)}: ${((100 * bytesWritten) / totalBytes).toFixed(0)}%`);
    },
  });
}

/**
 * llamats: the model-llama forward pass on a tensor-core backend (the wasm backend with `threads`, or the
 * reference backend for small checks). The bench feeds token ids, so it uses the model and its context
 * directly: what the engine's `loadModel` wraps with a tokenizer and sampler, neither of which pp/tg use.
 */
import { openGgufFile } from '@llamats/gguf-format/node';
import { LlamaModel } from '@llamats/model-llama';
import * as tensorCore from '@llamats/tensor-core';
import {
  type BenchJob,
  type LlamatsBackendName,
  type PeerResult,
  runsOnGpu,
  TG_PROMPT,
  timeRuns,
  WARMUP_GEN,
  WARMUP_PROMPT,
} from './types.js';

type Backend = Parameters<typeof LlamaModel.load>[1]['backend'];
type Context = ReturnType<LlamaModel['createContext']>;

/** The backend, as the engine's `createBackend` makes it. */
async function createBackend(choice: LlamatsBackendName, threads: number, webgpuOptions?: string): Promise<Backend> {
  if (choice === 'reference') return new tensorCore.ReferenceBackend();
  if (choice === 'webgpu') {
    const tuning = JSON.parse(webgpuOptions ?? '{}') as tensorCore.WebGpuBackendOptions;
    return tensorCore.createWebGpuBackend({ powerPreference: 'high-performance', ...tuning });
  }
  const factory = (tensorCore as { createWasmBackend?: (o: { threads: number }) => Promise<Backend> })
    .createWasmBackend;
  if (!factory) throw new Error('This build of tensor-core has no wasm backend yet; use --llamats-backend reference');
  return factory({ threads });
}

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * Greedy generation: `n` decodes, the first over `prompt`; returns the tokens produced. `onFirst` runs once
 * the first token is picked.
 */
async function generate(ctx: Context, prompt: readonly number[], n: number, onFirst?: () => void): Promise<number> {
  ctx.clear();
  let token = argmax(await ctx.evaluate(prompt));
  onFirst?.();
  let got = 1;
  while (got < n) {
    token = argmax(await ctx.evaluate([token]));
    got++;
  }
  return got;
}

export async function runLlamats(job: BenchJob): Promise<PeerResult> {
  const choice = job.backend ?? 'wasm';
  const t0 = performance.now();
  const backend: Backend = await createBackend(choice, job.threads, job.webgpuOptions);
  const gguf = await openGgufFile(job.modelPath);
  let model: LlamaModel | undefined;
  try {
    model = await LlamaModel.load(gguf, { backend });
    const nCtx = Math.max(...job.pp, job.tg + TG_PROMPT, WARMUP_PROMPT + WARMUP_GEN) + 8;
    const ctx = model.createContext({ nCtx, nBatch: Math.min(512, Math.max(...job.pp, 1)) });
    const loadMs = performance.now() - t0;
    try {
      let firstTokenMs: number | undefined;
      await generate(ctx, job.tokens.slice(0, WARMUP_PROMPT), WARMUP_GEN, () => {
        firstTokenMs = performance.now() - t0;
      });
      const onGpu = runsOnGpu('llamats', job);
      const pp: Record<string, Awaited<ReturnType<typeof timeRuns>>> = {};
      for (const n of job.pp) {
        const prompt = job.tokens.slice(0, n);
        pp[n] = await timeRuns(
          job.repetitions,
          async () => {
            ctx.clear();
            await ctx.evaluate(prompt);
            return ctx.nPast;
          },
          n,
          onGpu,
        );
      }
      const tg =
        job.tg > 0
          ? await timeRuns(job.repetitions, () => generate(ctx, job.tokens.slice(0, TG_PROMPT), job.tg), job.tg, onGpu)
          : [];
      const info = backend.info;
      return {
        peer: 'llamats',
        version: `${info.kind} backend${info.detail ? ` (${info.detail})` : ''}`,
        threads: info.threads,
        loadMs,
        firstTokenMs,
        pp,
        tg,
        notes: { backend: info },
      };
    } finally {
      ctx.dispose();
    }
  } finally {
    model?.dispose();
    backend.dispose();
    await gguf.close();
  }
}

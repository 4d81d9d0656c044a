/**
 * llama.cpp native through node-llama-cpp's prebuilt binaries (`getLlama({ gpu, build: 'never' })`): the
 * CPU build by default, or with `job.gpu` its Vulkan or CUDA build with every layer offloaded. What a Node
 * user gets today. Times the same tests as the other peers through its public API.
 */
import { importPeer, peerPackageVersion } from '../peer-modules.js';
import { type BenchJob, type PeerResult, runsOnGpu, TG_PROMPT, timeRuns, WARMUP_GEN, WARMUP_PROMPT } from './types.js';

// The parts of node-llama-cpp's API used here.
interface Sequence {
  clearHistory(): Promise<void>;
  evaluateWithoutGeneratingNewTokens(tokens: number[]): Promise<void>;
  evaluate(tokens: number[], options: { temperature: number }): AsyncGenerator<number>;
}
interface Context {
  getSequence(): Sequence;
  dispose(): Promise<void>;
}
interface LlamaModel {
  createContext(options: { contextSize: number; batchSize: number; threads: number }): Promise<Context>;
  dispose(): Promise<void>;
}
interface Llama {
  buildType: string;
  gpu: string | false;
  llamaCppRelease: { repo: string; release: string };
  loadModel(options: { modelPath: string; gpuLayers?: number | 'max' }): Promise<LlamaModel>;
  dispose(): Promise<void>;
  getGpuDeviceNames(): Promise<string[]>;
}
interface NodeLlamaCpp {
  getLlama(options: {
    gpu: false | 'vulkan' | 'cuda';
    build: 'never';
    logLevel: string;
    progressLogs?: boolean;
  }): Promise<Llama>;
}

/** Generates up to `n` tokens from `prompt` and returns how many came; `onFirst` runs when the first one does. */
async function generate(seq: Sequence, prompt: number[], n: number, onFirst?: () => void): Promise<number> {
  await seq.clearHistory();
  let got = 0;
  for await (const _ of seq.evaluate(prompt, { temperature: 0 })) {
    if (got === 0) onFirst?.();
    if (++got >= n) break;
  }
  return got;
}

export async function runNodeLlamaCpp(job: BenchJob): Promise<PeerResult> {
  const { getLlama } = await importPeer<NodeLlamaCpp>('node-llama-cpp');
  const gpu = job.gpu ?? false;
  const llama = await getLlama({ gpu, build: 'never', logLevel: 'error', progressLogs: false });
  // getLlama falls back to another build quietly in some versions; a GPU table must not hold CPU figures.
  if (gpu && llama.gpu !== gpu) throw new Error(`node-llama-cpp gave its ${llama.gpu || 'CPU'} build, not ${gpu}`);
  try {
    const gpuNames = gpu ? await llama.getGpuDeviceNames() : [];
    // ggml's Vulkan backend skips CPU devices (lavapipe), and then runs every layer on the CPU.
    if (gpu && gpuNames.length === 0) throw new Error(`node-llama-cpp's ${gpu} build found no GPU device`);
    const t0 = performance.now();
    const model = await llama.loadModel({ modelPath: job.modelPath, gpuLayers: gpu ? 'max' : 0 });
    const contextSize = Math.max(...job.pp, job.tg + TG_PROMPT, WARMUP_PROMPT + WARMUP_GEN) + 8;
    const context = await model.createContext({ contextSize, batchSize: 512, threads: job.threads });
    const loadMs = performance.now() - t0;
    try {
      const seq = context.getSequence();
      let firstTokenMs: number | undefined;
      await generate(seq, job.tokens.slice(0, WARMUP_PROMPT), WARMUP_GEN, () => {
        firstTokenMs = performance.now() - t0;
      });
      const onGpu = runsOnGpu('node-llama-cpp', job);
      const pp: Record<string, Awaited<ReturnType<typeof timeRuns>>> = {};
      for (const n of job.pp) {
        const prompt = job.tokens.slice(0, n);
        pp[n] = await timeRuns(
          job.repetitions,
          async () => {
            await seq.clearHistory();
            await seq.evaluateWithoutGeneratingNewTokens(prompt);
            return prompt.length;
          },
          n,
          onGpu,
        );
      }
      const tg =
        job.tg > 0
          ? await timeRuns(job.repetitions, () => generate(seq, job.tokens.slice(0, TG_PROMPT), job.tg), job.tg, onGpu)
          : [];
      return {
        peer: 'node-llama-cpp',
        version: `${peerPackageVersion('node-llama-cpp')} (llama.cpp ${llama.llamaCppRelease.release}, ${llama.buildType}${gpu ? `, ${gpu} on ${gpuNames.join(', ')}` : ''})`,
        threads: job.threads,
        loadMs,
        firstTokenMs,
        pp,
        tg,
        notes: { buildType: llama.buildType, gpu: llama.gpu },
      };
    } finally {
      await context.dispose();
      await model.dispose();
    }
  } finally {
    await llama.dispose();
  }
}

/** What every peer runner is given and gives back. */

/** One measurement job: one model file, one thread count, the tests to time. */
export interface BenchJob {
  readonly modelPath: string;
  readonly threads: number;
  /** Prompt lengths to time (pp). */
  readonly pp: readonly number[];
  /** Tokens to generate one by one (tg); 0 for none. */
  readonly tg: number;
  /** Timed repetitions of each test (after one short untimed warm-up per job). */
  readonly repetitions: number;
  /**
   * The prompt: BOS then whole-word tokens. A test of n tokens feeds `tokens.slice(0, n)`; tg starts from
   * the first two. Peers that take only text (wllama) get `words.slice(0, n - 1).join(' ')`, which their
   * tokenizer turns into the same ids (checked through the token counts they report).
   */
  readonly tokens: readonly number[];
  readonly words: readonly string[];
  /** llamats only: backend to use. */
  readonly backend?: LlamatsBackendName;
  /** llamats webgpu only: `createWebGpuBackend` options as JSON (tuning: `{"matvecShape": ...}`). */
  readonly webgpuOptions?: string;
  /** node-llama-cpp only: its GPU build with every layer offloaded, or false for its CPU build. */
  readonly gpu?: PeerGpu;
  /** llama.cpp only: its `llama-bench` binary (default: `LLAMA_BENCH`). */
  readonly llamaBench?: string;
}

/** llamats backends the bench can run: the wasm kernels, WebGPU (a GPU, or Dawn in Node), the reference. */
export const LLAMATS_BACKENDS = ['wasm', 'webgpu', 'reference'] as const;
export type LlamatsBackendName = (typeof LLAMATS_BACKENDS)[number];
/** node-llama-cpp prebuilt GPU builds the bench can ask for (`getLlama({ gpu })`). */
export const PEER_GPUS = ['vulkan', 'cuda'] as const;
export type PeerGpu = false | (typeof PEER_GPUS)[number];

/** One timed run of a test. */
export interface Sample {
  /** Tokens per second over the timed span. */
  readonly tps: number;
  /** Tokens the peer actually processed or generated (must equal the requested count). */
  readonly tokens: number;
  readonly ms: number;
}

export interface PeerResult {
  readonly peer: string;
  /** Peer version (and its llama.cpp build where known). */
  readonly version: string;
  readonly threads: number;
  /** File to ready (model and context), in milliseconds. */
  readonly loadMs: number;
  /**
   * File to the first token, in milliseconds: the load, then the warm-up prompt ({@link WARMUP_PROMPT} tokens
   * on an empty cache) evaluated and its first token picked. A cold start as a user meets it: work a peer
   * defers past its load (pages of a mapped file read in on first use) shows here. Absent where the peer
   * cannot report it (llama-bench).
   */
  readonly firstTokenMs?: number;
  /** pp length → samples. */
  readonly pp: Readonly<Record<string, readonly Sample[]>>;
  readonly tg: readonly Sample[];
  /** Tests that failed while the others ran (`pp512: <message>`). */
  readonly errors?: readonly string[];
  /** Peak resident memory of the process that ran the peer, when known. */
  readonly peakRssBytes?: number;
  /** Details worth keeping in the JSON (backend, build type...). */
  readonly notes?: Readonly<Record<string, unknown>>;
}

/** Whether `peer` computes on a GPU in `job`: llamats on its WebGPU backend, node-llama-cpp with `gpu`. */
export function runsOnGpu(peer: string, job: Pick<BenchJob, 'backend' | 'gpu'>): boolean {
  return peer === 'llamats' ? job.backend === 'webgpu' : peer === 'node-llama-cpp' && !!job.gpu;
}

/** Tokens of the job-level warm-up: a short prompt, then a few generated tokens. */
export const WARMUP_PROMPT = 16;
export const WARMUP_GEN = 4;
/** Tokens of the tg prompt (BOS and one word). */
export const TG_PROMPT = 2;

/**
 * Runs `fn` `repetitions` times, timing each; `fn` returns the tokens it handled. With `warmUp` (a peer
 * on a GPU, {@link runsOnGpu}) it first runs once untimed: the first run of a test there compiles pipelines and raises clocks (measured on an H200:
 * 124 t/s, then 208 and 210, for node-llama-cpp's first three llama7b-shape tg128 runs).
 */
export async function timeRuns(
  repetitions: number,
  fn: () => Promise<number>,
  expected: number,
  warmUp = false,
): Promise<Sample[]> {
  if (warmUp) await fn();
  const out: Sample[] = [];
  for (let r = 0; r < repetitions; r++) {
    const t0 = performance.now();
    const tokens = await fn();
    const ms = performance.now() - t0;
    out.push({ tps: (expected * 1000) / ms, tokens, ms });
  }
  return out;
}

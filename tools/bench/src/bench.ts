/**
 * `runBench`: makes the bench models, measures memory bandwidth, then runs every peer on every model at
 * every thread count, and returns one row per run with medians, llamats/peer ratios, and each decode rate
 * against the physical limit (bandwidth / weight bytes).
 */
import { openGgufFile } from '@llamats/gguf-format/node';
import * as tensorCore from '@llamats/tensor-core';
import { measureBandwidth } from './bandwidth.js';
import { hasChromium } from './chromium.js';
import { ensureModel, type ModelSpec, modelLabel } from './models.js';
import { hasPeerPackage } from './peer-modules.js';
import { canRunInChild, type PeerName, runPeerInChild, runPeerInProcess } from './peers/index.js';
import {
  type BenchJob,
  type LlamatsBackendName,
  type PeerGpu,
  type PeerResult,
  runsOnGpu,
  type Sample,
  TG_PROMPT,
  WARMUP_PROMPT,
} from './peers/types.js';
import { benchPromptFor } from './prompt.js';
import { median } from './stats.js';

export interface BenchOptions {
  models: readonly ModelSpec[];
  peers: readonly PeerName[];
  threads: readonly number[];
  pp: readonly number[];
  tg: number;
  repetitions: number;
  /** llamats backend (default `wasm`). */
  llamatsBackend?: LlamatsBackendName;
  /**
   * node-llama-cpp's GPU build (`vulkan`, `cuda`) with every layer offloaded; default false (its CPU
   * build). Pair with `llamatsBackend: 'webgpu'` to compare on a GPU.
   */
  peerGpu?: PeerGpu;
  /** llamats webgpu: `createWebGpuBackend` options as JSON (tuning knobs such as `matvecShape`). */
  webgpuOptions?: string;
  /** Node peers in child processes (default: when the compiled runner exists). */
  isolate?: boolean;
  /** Per-run time limit (default 30 minutes). */
  timeoutMs?: number;
  /** wllama is skipped above this file size (its wasm memory is capped at 4 GiB). */
  wllamaMaxBytes?: number;
  modelsDir?: string;
  /** Measured bandwidth per thread count, to skip measuring (tests). */
  bandwidth?: Readonly<Record<number, number>>;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BenchRow {
  model: string;
  modelPath: string;
  fileBytes: number;
  /** Bytes of all tensors: what one decoded token reads. */
  weightBytes: number;
  peer: PeerName;
  version: string;
  threads: number;
  loadSeconds?: number;
  /** pp length → median tokens/s. */
  pp: Record<string, number>;
  /** Median generation tokens/s. */
  tg?: number;
  bandwidthGBs?: number;
  /** bandwidth / weight bytes: the most tokens/s any CPU decoder can reach here (absent for GPU runs). */
  tgLimit?: number;
  tgPercentOfLimit?: number;
  /** llamats / this peer, for the same model and thread count (absent on llamats' own rows). */
  ratio?: { tg?: number; pp: Record<string, number> };
  peakRssBytes?: number;
  /** Failed sanity checks (a peer that processed or generated another number of tokens than asked). */
  problems: string[];
  /** Why the peer did not run or failed. */
  error?: string;
  result?: PeerResult;
}

/** 4 GiB minus room for the KV cache and compute buffers. */
const WLLAMA_MAX_BYTES = 3.5 * 2 ** 30;

/** Why a peer cannot run here, or undefined when it can. */
export function peerUnavailable(peer: PeerName, backend: string): string | undefined {
  if (peer === 'llamats') {
    const hasWasm = typeof (tensorCore as Record<string, unknown>).createWasmBackend === 'function';
    if (backend === 'wasm' && !hasWasm)
      return 'tensor-core has no wasm backend yet (try --llamats-backend reference on a tiny model)';
    return undefined;
  }
  if (peer === 'node-llama-cpp') {
    return hasPeerPackage('node-llama-cpp') ? undefined : 'node-llama-cpp is not installed (tools/bench/peers)';
  }
  if (!hasPeerPackage('@wllama/wllama') || !hasPeerPackage('playwright-core'))
    return 'wllama/playwright-core not installed (tools/bench/peers)';
  if (!hasChromium()) return 'chromium is not installed (apt-get install -y chromium)';
  return undefined;
}

/** Checks that each sample handled the requested number of tokens. */
function tokenProblems(test: string, samples: readonly Sample[], expected: number): string[] {
  const bad = samples.filter((s) => s.tokens !== expected);
  return bad.length ? [`${test}: ${bad.map((s) => s.tokens).join('/')} tokens instead of ${expected}`] : [];
}

export async function runBench(options: BenchOptions): Promise<BenchRow[]> {
  const log = options.log ?? (() => {});
  const backend = options.llamatsBackend ?? 'wasm';
  const isolate = options.isolate ?? canRunInChild();
  const rows: BenchRow[] = [];

  const bandwidth = new Map<number, number>();
  for (const t of options.threads) {
    const given = options.bandwidth?.[t];
    bandwidth.set(t, given ?? (await measureBandwidth(t)));
    log(`memory bandwidth, ${t} thread(s): ${(bandwidth.get(t)! / 1e9).toFixed(1)} GB/s`);
  }

  const promptLength = Math.max(...options.pp, TG_PROMPT, WARMUP_PROMPT);
  for (const spec of options.models) {
    options.signal?.throwIfAborted();
    const made = await ensureModel(spec, { outDir: options.modelsDir, log, signal: options.signal });
    log(`${modelLabel(spec)}: ${made.path} (${(made.bytes / 2 ** 20).toFixed(0)} MiB${made.reused ? ', cached' : ''})`);
    const gguf = await openGgufFile(made.path);
    const weightBytes = gguf.tensors.reduce((a, t) => a + t.byteLength, 0);
    await gguf.close();
    const prompt = await benchPromptFor(made.path, promptLength);

    for (const threads of options.threads) {
      const job: BenchJob = {
        modelPath: made.path,
        threads,
        pp: options.pp,
        tg: options.tg,
        repetitions: options.repetitions,
        tokens: prompt.tokens,
        words: prompt.words,
        backend,
        gpu: options.peerGpu ?? false,
        webgpuOptions: options.webgpuOptions,
      };
      for (const peer of options.peers) {
        options.signal?.throwIfAborted();
        const bw = bandwidth.get(threads)!;
        const row: BenchRow = {
          model: modelLabel(spec),
          modelPath: made.path,
          fileBytes: made.bytes,
          weightBytes,
          peer,
          version: '',
          threads,
          pp: {},
          bandwidthGBs: bw / 1e9,
          // the CPU memory bandwidth says nothing about a run on a GPU
          tgLimit: runsOnGpu(peer, job) ? undefined : bw / weightBytes,
          problems: [],
        };
        rows.push(row);
        const unavailable =
          peerUnavailable(peer, backend) ??
          (peer === 'wllama' && made.bytes > (options.wllamaMaxBytes ?? WLLAMA_MAX_BYTES)
            ? 'skipped: wllama caps its wasm memory at 4 GiB'
            : undefined);
        if (unavailable) {
          row.error = unavailable;
          log(`${row.model} ${peer} t=${threads}: ${unavailable}`);
          continue;
        }
        log(`${row.model} ${peer} t=${threads}: running`);
        try {
          const result =
            isolate && peer !== 'wllama'
              ? await runPeerInChild(peer, job, {
                  timeoutMs: options.timeoutMs ?? 30 * 60_000,
                  log,
                  signal: options.signal,
                })
              : await runPeerInProcess(peer, job, log, options.signal);
          fillRow(row, result, options);
          log(
            `${row.model} ${peer} t=${threads}: ${options.pp.map((n) => `pp${n} ${row.pp[n]?.toFixed(1)}`).join(', ')}` +
              `${row.tg !== undefined ? `, tg${options.tg} ${row.tg.toFixed(2)} t/s` : ''}, load ${row.loadSeconds?.toFixed(2)} s`,
          );
        } catch (e) {
          if (options.signal?.aborted) throw e;
          row.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
          log(`${row.model} ${peer} t=${threads}: failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
  }
  addRatios(rows);
  return rows;
}

function fillRow(row: BenchRow, result: PeerResult, options: BenchOptions): void {
  row.result = result;
  row.version = result.version;
  row.loadSeconds = result.loadMs / 1000;
  row.peakRssBytes = result.peakRssBytes;
  if (result.threads !== row.threads) row.problems.push(`ran with ${result.threads} threads`);
  row.problems.push(...(result.errors ?? []));
  for (const n of options.pp) {
    const samples = result.pp[n] ?? [];
    if (samples.length === 0) continue; // failed: its error is in problems
    row.pp[n] = median(samples.map((s) => s.tps));
    row.problems.push(...tokenProblems(`pp${n}`, samples, n));
  }
  if (options.tg > 0 && result.tg.length > 0) {
    row.tg = median(result.tg.map((s) => s.tps));
    row.problems.push(...tokenProblems(`tg${options.tg}`, result.tg, options.tg));
    if (row.tgLimit) row.tgPercentOfLimit = (100 * row.tg) / row.tgLimit;
  }
}

/** llamats / peer for every figure both have, per model and thread count. */
function addRatios(rows: BenchRow[]): void {
  for (const r of rows) {
    if (r.peer === 'llamats' || r.error) continue;
    const ours = rows.find((o) => o.peer === 'llamats' && o.model === r.model && o.threads === r.threads && !o.error);
    if (!ours) continue;
    const pp: Record<string, number> = {};
    for (const n of Object.keys(r.pp)) if (ours.pp[n] !== undefined) pp[n] = ours.pp[n] / r.pp[n];
    r.ratio = { pp, tg: ours.tg !== undefined && r.tg !== undefined ? ours.tg / r.tg : undefined };
  }
}

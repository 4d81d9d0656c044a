/**
 * `runBench`: makes the bench models, measures memory bandwidth, then runs every peer on every model at
 * every thread count, and returns one row per run with medians, llamats/peer ratios, and each decode rate
 * against the physical limit (bandwidth / weight bytes).
 */
import { openGgufFile } from '@llamats/gguf-format/node';
import * as tensorCore from '@llamats/tensor-core';
import { measureBandwidth } from '@llamats/tensor-core/node';
import { hasChromium } from './chromium.js';
import { ensureModel, type ModelSpec, modelLabel } from './models.js';
import { hasPeerPackage } from './peer-modules.js';
import { canRunInChild, type PeerName, runPeerInChild, runPeerInProcess } from './peers/index.js';
import { llamaBenchFromEnv, llamaBenchUnavailable } from './peers/llama-cpp.js';
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
  /**
   * Times the peers take turns (default 1): llamats, the peer, llamats, the peer ... each turn a fresh
   * process. On a machine whose speed drifts over minutes (a shared VM), comparing turns run side by side
   * cancels the drift that a single pass of one peer after the other would put into the ratio.
   */
  rounds?: number;
  /** llamats backend (default `wasm`). */
  llamatsBackend?: LlamatsBackendName;
  /**
   * node-llama-cpp's GPU build (`vulkan`, `cuda`) with every layer offloaded; default false (its CPU
   * build). Pair with `llamatsBackend: 'webgpu'` to compare on a GPU.
   */
  peerGpu?: PeerGpu;
  /** llamats webgpu: `createWebGpuBackend` options as JSON (tuning knobs such as `matvecShape`). */
  webgpuOptions?: string;
  /** The llama.cpp peer's `llama-bench` binary (default: `LLAMA_BENCH`). */
  llamaBench?: string;
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
  /** File to the first token (PeerResult.firstTokenMs), median of the rounds; absent where not reported. */
  firstTokenSeconds?: number;
  /** pp length → median tokens/s. */
  pp: Record<string, number>;
  /** Median generation tokens/s. */
  tg?: number;
  bandwidthGBs?: number;
  /** bandwidth / weight bytes: the most tokens/s any CPU decoder can reach here (absent for GPU runs). */
  tgLimit?: number;
  tgPercentOfLimit?: number;
  /**
   * llamats / this peer, for the same model and thread count (absent on llamats' own rows): with several
   * rounds, the median of the rounds' ratios (each round's llamats figures over the same round's peer's).
   */
  ratio?: { tg?: number; pp: Record<string, number> };
  /** Each round's ratio, with several rounds. */
  roundRatios?: { tg: number[]; pp: Record<string, number[]> };
  peakRssBytes?: number;
  /** Failed sanity checks (a peer that processed or generated another number of tokens than asked). */
  problems: string[];
  /** Why the peer did not run or failed. */
  error?: string;
  /** The first round's result. */
  result?: PeerResult;
  /** Every round's result, in order. */
  results?: PeerResult[];
}

/** 4 GiB minus room for the KV cache and compute buffers. */
const WLLAMA_MAX_BYTES = 3.5 * 2 ** 30;

/** Why a peer cannot run here, or undefined when it can. */
export function peerUnavailable(peer: PeerName, backend: string, llamaBench?: string): string | undefined {
  if (peer === 'llamats') {
    const hasWasm = typeof (tensorCore as Record<string, unknown>).createWasmBackend === 'function';
    if (backend === 'wasm' && !hasWasm)
      return 'tensor-core has no wasm backend yet (try --llamats-backend reference on a tiny model)';
    return undefined;
  }
  if (peer === 'llama.cpp') return llamaBenchUnavailable(llamaBench ?? llamaBenchFromEnv());
  if (peer === 'node-llama-cpp') {
    return hasPeerPackage('node-llama-cpp') ? undefined : 'node-llama-cpp is not installed (tools/bench/peers)';
  }
  if (!hasPeerPackage('@wllama/wllama') || !hasPeerPackage('playwright-core'))
    return 'wllama/playwright-core not installed (tools/bench/peers)';
  if (!hasChromium()) return 'chromium is not installed (apt-get install -y chromium)';
  return undefined;
}

/** Why `peer` cannot run on a file of `fileBytes` here, or undefined when it can. */
function whyNot(peer: PeerName, backend: string, fileBytes: number, options: BenchOptions): string | undefined {
  return (
    peerUnavailable(peer, backend, options.llamaBench) ??
    (peer === 'wllama' && fileBytes > (options.wllamaMaxBytes ?? WLLAMA_MAX_BYTES)
      ? 'skipped: wllama caps its wasm memory at 4 GiB'
      : undefined)
  );
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
        llamaBench: options.llamaBench,
      };
      const rounds = options.rounds ?? 1;
      const here = new Map<PeerName, BenchRow>();
      for (let round = 1; round <= rounds; round++) {
        for (const peer of options.peers) {
          options.signal?.throwIfAborted();
          let row = here.get(peer);
          if (!row) {
            const bw = bandwidth.get(threads)!;
            row = {
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
              error: whyNot(peer, backend, made.bytes, options),
            };
            rows.push(row);
            here.set(peer, row);
            if (row.error) log(`${row.model} ${peer} t=${threads}: ${row.error}`);
          }
          if (row.error) continue; // unavailable, or failed in an earlier round
          const label = `${row.model} ${peer} t=${threads}${rounds > 1 ? ` round ${round}/${rounds}` : ''}`;
          log(`${label}: running`);
          try {
            const result =
              // wllama runs in Chromium's processes and llama.cpp in llama-bench's: no Node child needed
              isolate && peer !== 'wllama' && peer !== 'llama.cpp'
                ? await runPeerInChild(peer, job, {
                    timeoutMs: options.timeoutMs ?? 30 * 60_000,
                    log,
                    signal: options.signal,
                  })
                : await runPeerInProcess(peer, job, log, options.signal);
            row.results = [...(row.results ?? []), result];
            const f = roundFigures(result, options);
            log(
              `${label}: ${options.pp.map((n) => `pp${n} ${f.pp[n]?.toFixed(1)}`).join(', ')}` +
                `${f.tg !== undefined ? `, tg${options.tg} ${f.tg.toFixed(2)} t/s` : ''}` +
                `${Number.isFinite(result.loadMs) ? `, load ${(result.loadMs / 1000).toFixed(2)} s` : ''}` +
                `${result.firstTokenMs !== undefined ? `, first token ${(result.firstTokenMs / 1000).toFixed(2)} s` : ''}`,
            );
          } catch (e) {
            if (options.signal?.aborted) throw e;
            row.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
            log(`${label}: failed: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
      for (const row of here.values()) if (row.results && !row.error) fillRow(row, row.results, options);
    }
  }
  addRatios(rows, options);
  return rows;
}

/** One result's medians: pp length → tokens/s, and generation tokens/s. */
function roundFigures(result: PeerResult, options: BenchOptions): { pp: Record<string, number>; tg?: number } {
  const pp: Record<string, number> = {};
  for (const n of options.pp) {
    const samples = result.pp[n] ?? [];
    if (samples.length) pp[n] = median(samples.map((x) => x.tps));
  }
  const tg = options.tg > 0 && result.tg.length > 0 ? median(result.tg.map((x) => x.tps)) : undefined;
  return { pp, tg };
}

/** Fills a row from its rounds' results: medians over every timed run of every round. */
function fillRow(row: BenchRow, results: readonly PeerResult[], options: BenchOptions): void {
  const first = results[0];
  row.result = first;
  row.version = first.version;
  row.loadSeconds = median(results.map((r) => r.loadMs)) / 1000;
  const firsts = results.map((r) => r.firstTokenMs).filter((ms): ms is number => ms !== undefined);
  row.firstTokenSeconds = firsts.length ? median(firsts) / 1000 : undefined;
  const peaks = results.map((r) => r.peakRssBytes).filter((b): b is number => b !== undefined);
  row.peakRssBytes = peaks.length ? Math.max(...peaks) : undefined;
  for (const result of results) {
    if (result.threads !== row.threads) row.problems.push(`ran with ${result.threads} threads`);
    row.problems.push(...(result.errors ?? []));
  }
  for (const n of options.pp) {
    const samples = results.flatMap((r) => r.pp[n] ?? []);
    if (samples.length === 0) continue; // failed: its error is in problems
    row.pp[n] = median(samples.map((s) => s.tps));
    row.problems.push(...tokenProblems(`pp${n}`, samples, n));
  }
  const tg = results.flatMap((r) => r.tg);
  if (options.tg > 0 && tg.length > 0) {
    row.tg = median(tg.map((s) => s.tps));
    row.problems.push(...tokenProblems(`tg${options.tg}`, tg, options.tg));
    if (row.tgLimit) row.tgPercentOfLimit = (100 * row.tg) / row.tgLimit;
  }
}

/**
 * llamats / peer for every figure both have, per model and thread count: the ratio of the medians, or with
 * several rounds the median of the rounds' ratios (round i of llamats against round i of the peer).
 */
function addRatios(rows: BenchRow[], options: BenchOptions): void {
  for (const r of rows) {
    if (r.peer === 'llamats' || r.error) continue;
    const ours = rows.find((o) => o.peer === 'llamats' && o.model === r.model && o.threads === r.threads && !o.error);
    if (!ours) continue;
    const pairs = Math.min(ours.results?.length ?? 0, r.results?.length ?? 0);
    if (pairs > 1) {
      const perRound = Array.from({ length: pairs }, (_, i) => ({
        ours: roundFigures(ours.results![i], options),
        peer: roundFigures(r.results![i], options),
      }));
      const roundRatios: { tg: number[]; pp: Record<string, number[]> } = { tg: [], pp: {} };
      for (const { ours: o, peer: p } of perRound) {
        if (o.tg !== undefined && p.tg !== undefined) roundRatios.tg.push(o.tg / p.tg);
        for (const n of Object.keys(p.pp)) {
          if (o.pp[n] === undefined) continue;
          roundRatios.pp[n] = [...(roundRatios.pp[n] ?? []), o.pp[n] / p.pp[n]];
        }
      }
      r.roundRatios = roundRatios;
      const pp: Record<string, number> = {};
      for (const [n, v] of Object.entries(roundRatios.pp)) pp[n] = median(v);
      r.ratio = { pp, tg: roundRatios.tg.length ? median(roundRatios.tg) : undefined };
      continue;
    }
    const pp: Record<string, number> = {};
    for (const n of Object.keys(r.pp)) if (ours.pp[n] !== undefined) pp[n] = ours.pp[n] / r.pp[n];
    r.ratio = { pp, tg: ours.tg !== undefined && r.tg !== undefined ? ours.tg / r.tg : undefined };
  }
}

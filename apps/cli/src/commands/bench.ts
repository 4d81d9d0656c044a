/**
 * `llamats bench MODEL...`: prompt processing (pp) and generation (tg) tokens/s, like llama-bench, with each
 * decode figure held against the physical limit (memory bandwidth / weight bytes).
 */

import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { measureBandwidth } from '@llamats/tensor-core/node';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { loadModelFor } from '../load.js';
import { type BackendName, backendArg, floatArg, intArg, intListArg } from '../options.js';
import { meanStd } from '../stats.js';
import { formatBytes, formatCount, formatTable } from '../style.js';

/** Bytes scanned to measure bandwidth: far beyond any cache. */
const PROBE_BYTES = 256 << 20;

/** Backends that can measure memory read bandwidth themselves (the wasm backend). */
interface BandwidthProbe {
  measureReadBandwidth(bytes: number, repeats?: number): number;
}

interface BenchOptions {
  nPrompt: number[];
  nGen: number[];
  threads?: number[];
  repetitions: number;
  backend: BackendName;
  bandwidth?: number;
  json?: boolean;
}

export interface BenchRow {
  model: string;
  model_bytes: number;
  params: number;
  backend: string;
  threads: number;
  test: string;
  n_prompt: number;
  n_gen: number;
  /** Tokens per second of each repetition. */
  samples: number[];
  avg_ts: number;
  stddev_ts: number;
  /** For tg tests: bandwidth / weight bytes, and the measured rate as a share of it. */
  limit_ts?: number;
  percent_of_limit?: number;
  bandwidth_gbs?: number;
}

export function registerBench(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  program
    .command('bench')
    .description('measure prompt processing and generation speed (tokens/s), like llama-bench')
    .argument('<models...>', 'one or more models (paths, URLs or cached names)')
    .option(
      '-p, --n-prompt <list>',
      'prompt lengths to test, comma-separated (0 = none)',
      intListArg(0, 1 << 16),
      [512],
    )
    .option(
      '-n, --n-gen <list>',
      'generation lengths to test, comma-separated (0 = none)',
      intListArg(0, 1 << 16),
      [128],
    )
    .option('-t, --threads <list>', 'thread counts to test, comma-separated (default: all cores)', intListArg(1, 1024))
    .option('-r, --repetitions <n>', 'repetitions of each test (after one warm-up)', intArg(1, 1000), 3)
    .option('--backend <name>', 'wasm | webgpu | auto | reference', backendArg, 'auto' as BackendName)
    .option(
      '--bandwidth <GBs>',
      'memory bandwidth in GB/s for the decode limit (default: measured now)',
      floatArg(0.001, 1e6),
    )
    .option('--json', 'print a JSON array, one row per test')
    .addHelpText('after', '\nExample:\n  llamats bench model-Q4_K_M.gguf -p 128,512 -n 128 -t 1,2 -r 3')
    .action((models: string[], opts: BenchOptions) => run((ctx) => bench(ctx, models, opts)));
}

/** Deterministic token ids spread over the vocabulary (the rate does not depend on which tokens). */
function benchTokens(n: number, vocab: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % vocab;
  });
}

async function bench(ctx: CommandContext, models: string[], opts: BenchOptions): Promise<void> {
  const threadList = opts.threads ?? [availableParallelism()];
  const tests = [
    ...opts.nPrompt.filter((n) => n > 0).map((n) => ({ kind: 'pp' as const, n })),
    ...opts.nGen.filter((n) => n > 0).map((n) => ({ kind: 'tg' as const, n })),
  ];
  if (tests.length === 0) throw new UsageError('Nothing to measure: give -p or -n a length above 0');
  const bandwidths = new Map<string, number>();
  // The wasm backend measures with its own SIMD kernels on its own threads (what decoding can reach);
  // other backends get a native scan on as many threads.
  const bandwidthFor = async (backend: object, kind: string, threads: number) => {
    if (opts.bandwidth !== undefined) return opts.bandwidth * 1e9;
    const key = `${kind}/${threads}`;
    if (!bandwidths.has(key)) {
      const probe = (backend as Partial<BandwidthProbe>).measureReadBandwidth;
      bandwidths.set(
        key,
        probe ? probe.call(backend, PROBE_BYTES) : await measureBandwidth(threads, { bytes: PROBE_BYTES }),
      );
    }
    return bandwidths.get(key)!;
  };
  const rows: BenchRow[] = [];
  for (const ref of models) {
    for (const threads of threadList) {
      const { model, path } = await loadModelFor(ctx, ref, { backend: opts.backend, threads });
      // The compute loop never yields to the event loop, so a SIGINT handler would not run before the end:
      // leave Ctrl-C its default action (the process ends at once).
      ctx.takeOverInterrupts();
      try {
        const bytes = model.llama.weights.bytes;
        const params = model.gguf.tensors.reduce((a, t) => a + t.elements, 0);
        const vocab = model.config.vocabSize;
        for (const test of tests) {
          ctx.signal.throwIfAborted();
          const nCtx = test.n + 1;
          const session = model.createSession({ nCtx, nBatch: test.kind === 'pp' ? Math.min(test.n, 512) : 1 });
          const c = session.context;
          const tokens = benchTokens(test.n, vocab, test.n * 7919 + threads);
          const once = async (): Promise<number> => {
            c.clear();
            const t0 = performance.now();
            if (test.kind === 'pp') await c.evaluate(tokens, { signal: ctx.signal });
            else for (const tok of tokens) await c.evaluate([tok], { signal: ctx.signal });
            return (test.n * 1000) / (performance.now() - t0);
          };
          await once(); // warm-up, as llama-bench
          const samples: number[] = [];
          for (let r = 0; r < opts.repetitions; r++) samples.push(await once());
          session.dispose();
          const { mean, std } = meanStd(samples);
          const row: BenchRow = {
            model: basename(path),
            model_bytes: bytes,
            params,
            backend: model.backend.info.kind,
            threads: model.backend.info.threads,
            test: `${test.kind}${test.n}`,
            n_prompt: test.kind === 'pp' ? test.n : 0,
            n_gen: test.kind === 'tg' ? test.n : 0,
            samples,
            avg_ts: mean,
            stddev_ts: std,
          };
          if (test.kind === 'tg') {
            const bw = await bandwidthFor(model.backend, row.backend, row.threads);
            row.bandwidth_gbs = bw / 1e9;
            row.limit_ts = bw / bytes;
            row.percent_of_limit = (100 * mean) / row.limit_ts;
          }
          rows.push(row);
          if (ctx.verbose)
            ctx.note(`${row.model} ${row.test} t=${threads}: ${mean.toFixed(2)} ± ${std.toFixed(2)} t/s`);
        }
      } finally {
        await model.dispose();
      }
    }
  }
  if (opts.json) {
    ctx.print(JSON.stringify(rows, null, 2));
    return;
  }
  const table = rows.map((r) => [
    r.model,
    formatBytes(r.model_bytes),
    formatCount(r.params),
    r.backend,
    String(r.threads),
    r.test,
    `${r.avg_ts.toFixed(2)} ± ${r.stddev_ts.toFixed(2)}`,
    r.percent_of_limit !== undefined
      ? `${r.percent_of_limit.toFixed(1)}% of ${r.limit_ts!.toFixed(1)} (${r.bandwidth_gbs!.toFixed(1)} GB/s)`
      : '',
  ]);
  ctx.print(
    formatTable(['model', 'size', 'params', 'backend', 'threads', 'test', 't/s', 'decode limit'], table, [
      false,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ]),
  );
}

/** `bench:peers` command line: flags → {@link BenchOptions}, then the table (or JSON) on stdout. */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type BenchOptions, type BenchRow, runBench } from './bench.js';
import { ensureChromium } from './chromium.js';
import { DEFAULT_MODELS, LLAMA7B_MODEL, type ModelSpec, parseModelSpec, QUICK_MODELS } from './models.js';
import { installPeers } from './peer-modules.js';
import { PEERS, type PeerName } from './peers/index.js';
import { llamaBenchFromEnv } from './peers/llama-cpp.js';
import { LLAMATS_BACKENDS, type LlamatsBackendName, PEER_GPUS, type PeerGpu } from './peers/types.js';
import { renderBenchTable, renderRoundRatios } from './table.js';

export const USAGE = `Usage: bench:peers [options]

Runs llamats, node-llama-cpp (llama.cpp native, prebuilt), wllama (headless Chromium) and, given a llama-bench
binary, llama.cpp built from source on the same random-weight
LLaMA-shape models with the same thread counts, and prints medians, llamats/peer ratios, and each decode
rate as a share of the physical limit (memory bandwidth / weight bytes, bandwidth measured in this run).

  --quick              tinyllama-shape Q4_0 and Q8_0, pp128, tg32, 1 repetition
  --models LIST        SHAPE:TYPE,... (default tinyllama-shape:Q4_K_M,tinyllama-shape:Q8_0,tinyllama-shape:Q4_0)
  --llama7b            also llama7b-shape:Q4_K_M (3.8 GiB, written once; wllama skips it)
  --peers LIST         ${PEERS.join(',')} (default all; llama.cpp only with a llama-bench)
  --llama-bench PATH   the llama.cpp peer: a llama-bench binary built from llama.cpp's sources for this CPU
                       (cmake -DGGML_NATIVE=ON; default: the LLAMA_BENCH environment variable)
  -t, --threads LIST   thread counts (default 1,2)
  -p, --pp LIST        prompt lengths (default 128,512)
  -n, --tg N           tokens generated one by one (default 128; 0 = none)
  -r, --repetitions N  timed runs per figure, medians reported (default 3)
  --rounds N           the peers take N turns each, side by side (llamats, peer, llamats, peer ...); ratios are
                       the median of the turns' ratios, which cancels the drift of a shared machine (default 1)
  --llamats-backend B  wasm (default) | webgpu (a GPU through WebGPU; Dawn in Node) | reference (tiny models)
  --gpu G              node-llama-cpp's prebuilt GPU build: vulkan | cuda, every layer offloaded (default: its
                       CPU build). For a GPU table: --llamats-backend webgpu --gpu vulkan -t 1
  --webgpu-options J   llamats webgpu: createWebGpuBackend options as JSON, e.g. '{"matvecShape":{"workgroupSize":
                       32,"rows":4}}' (src/gpu-probe.ts --shapes finds the best shape for a GPU)
  --json               print JSON instead of the table
  --json-out FILE      also write the JSON to FILE
  --no-install         do not install missing peers (npm) or chromium (apt-get)
  --in-process         run the Node peers in this process instead of child processes
  -h, --help`;

export class UsageError extends Error {
  override name = 'UsageError';
}

function intList(flag: string, text: string, min: number): number[] {
  const list = text.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isSafeInteger(n) || n < min)) {
    throw new UsageError(`${flag} takes integers >= ${min}, comma-separated; got "${text}"`);
  }
  return list;
}

export interface BenchCliIo {
  out(text: string): void;
  log(line: string): void;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; loadAverage: number[]; node: string };
  options: Omit<BenchOptions, 'log' | 'signal'>;
  rows: BenchRow[];
}

export function parseBenchArgs(argv: readonly string[]): {
  options: BenchOptions;
  json: boolean;
  jsonOut?: string;
  install: boolean;
  help: boolean;
} {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      models: { type: 'string' },
      llama7b: { type: 'boolean', default: false },
      peers: { type: 'string' },
      threads: { type: 'string', short: 't' },
      pp: { type: 'string', short: 'p' },
      tg: { type: 'string', short: 'n' },
      repetitions: { type: 'string', short: 'r' },
      rounds: { type: 'string' },
      'llamats-backend': { type: 'string', default: 'wasm' },
      gpu: { type: 'string' },
      'webgpu-options': { type: 'string' },
      'llama-bench': { type: 'string' },
      json: { type: 'boolean', default: false },
      'json-out': { type: 'string' },
      'no-install': { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick;
  let models: ModelSpec[] = values.models
    ? values.models.split(',').map(parseModelSpec)
    : [...(quick ? QUICK_MODELS : DEFAULT_MODELS)];
  if (values.llama7b) models = [...models, LLAMA7B_MODEL];
  const llamaBench = values['llama-bench'] ?? llamaBenchFromEnv();
  const defaultPeers = PEERS.filter((p) => p !== 'llama.cpp' || llamaBench);
  const peers = (values.peers ?? defaultPeers.join(',')).split(',').map((p) => p.trim()) as PeerName[];
  for (const p of peers)
    if (!PEERS.includes(p)) throw new UsageError(`Unknown peer "${p}"; choose from ${PEERS.join(', ')}`);
  const backend = values['llamats-backend'];
  if (!LLAMATS_BACKENDS.includes(backend as LlamatsBackendName))
    throw new UsageError(`--llamats-backend is one of ${LLAMATS_BACKENDS.join(', ')}, got "${backend}"`);
  const webgpuOptions = values['webgpu-options'];
  if (webgpuOptions !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(webgpuOptions);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError(`--webgpu-options is a JSON object, got "${webgpuOptions}"`);
  }
  const gpu = values.gpu;
  if (gpu !== undefined && !PEER_GPUS.includes(gpu as Exclude<PeerGpu, false>))
    throw new UsageError(`--gpu is one of ${PEER_GPUS.join(', ')}, got "${gpu}"`);
  const tg = values.tg !== undefined ? intList('--tg', values.tg, 0)[0] : quick ? 32 : 128;
  return {
    options: {
      models,
      peers,
      threads: values.threads ? intList('--threads', values.threads, 1) : [1, 2],
      pp: values.pp ? intList('--pp', values.pp, 1) : quick ? [128] : [128, 512],
      tg,
      repetitions: values.repetitions ? intList('--repetitions', values.repetitions, 1)[0] : quick ? 1 : 3,
      rounds: values.rounds ? intList('--rounds', values.rounds, 1)[0] : 1,
      llamatsBackend: backend as LlamatsBackendName,
      peerGpu: (gpu ?? false) as PeerGpu,
      webgpuOptions,
      llamaBench,
      isolate: values['in-process'] ? false : undefined,
    },
    json: values.json,
    jsonOut: values['json-out'],
    install: !values['no-install'],
    help: values.help,
  };
}

/** Runs the command; resolves with the report (also printed). */
export async function runBenchCli(
  argv: readonly string[],
  io: BenchCliIo,
  signal?: AbortSignal,
): Promise<BenchReport | undefined> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    io.out(USAGE);
    return undefined;
  }
  const { options } = args;
  if (args.install) {
    if (options.peers.some((p) => p === 'node-llama-cpp' || p === 'wllama')) await installPeers(io.log);
    if (options.peers.includes('wllama')) await ensureChromium(io.log).catch((e: Error) => io.log(e.message));
  }
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
  };
  io.log(`${machine.cpu}, ${machine.cores} cores, load average ${machine.loadAverage.join(' ')}`);
  if (machine.loadAverage[0] > 0.5)
    io.log('warning: the machine is busy; figures will be noisy (compare ratios, not absolutes)');
  const rows = await runBench({ ...options, log: io.log, signal });
  const { log: _log, signal: _signal, ...rest } = options;
  const report: BenchReport = { machine, options: rest, rows };
  const json = JSON.stringify(report, null, 2);
  if (args.jsonOut) await writeFile(args.jsonOut, `${json}\n`);
  if (args.json) {
    io.out(json);
    return report;
  }
  const versions = [...new Map(rows.filter((r) => r.version).map((r) => [r.peer, `${r.peer} ${r.version}`])).values()];
  const bandwidths = [
    ...new Map(rows.map((r) => [r.threads, `${r.threads}t ${r.bandwidthGBs?.toFixed(1)} GB/s`])).values(),
  ];
  const rounds = options.rounds ?? 1;
  io.out(
    [
      renderBenchTable(rows, options.pp, options.tg),
      '',
      ...(rounds > 1 ? [...renderRoundRatios(rows, options.pp), ''] : []),
      `medians of ${options.repetitions} run(s)${rounds > 1 ? ` in each of ${rounds} rounds; llamats/peer: median of the rounds' ratios` : ''}; tg % limit = tg / (bandwidth / weight bytes); bandwidth: ${bandwidths.join(', ')}`,
      `peers: ${versions.join('; ')}`,
      `machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average at start ${machine.loadAverage.join(' ')}`,
    ].join('\n'),
  );
  return report;
}

/**
 * llama.cpp native, built from its sources on this machine (BENCH.md's "llama.cpp built from source (AVX-512)"
 * column), through its own `llama-bench` tool: the peer whose kernels are compiled for this very CPU, where
 * node-llama-cpp's prebuilt binary targets a generic one. The bench does not build it (no llama.cpp code or
 * build script lives in this repository): point `--llama-bench PATH` or `LLAMA_BENCH` at a `llama-bench`
 * binary built with `cmake -DGGML_NATIVE=ON`.
 *
 * llama-bench feeds random tokens rather than the bench prompt, which changes nothing for speed; it warms
 * each test up once before timing it, as the other peers do. It reports no load time (the row shows '-').
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { BenchJob, PeerResult, Sample } from './types.js';

/** The llama-bench binary named by `LLAMA_BENCH`, if any. */
export const llamaBenchFromEnv = (): string | undefined => process.env.LLAMA_BENCH || undefined;

/** Why the llama.cpp peer cannot run with `binary`, or undefined when it can. */
export function llamaBenchUnavailable(binary: string | undefined): string | undefined {
  if (!binary) return 'no llama-bench binary: pass --llama-bench PATH or set LLAMA_BENCH (llama.cpp built with cmake)';
  if (!existsSync(binary)) return `llama-bench not found at ${binary}`;
  return undefined;
}

/** One test of llama-bench's JSON output (the fields used here). */
interface LlamaBenchTest {
  build_commit: string;
  build_number: number;
  cpu_info: string;
  backends?: string;
  n_threads: number;
  n_prompt: number;
  n_gen: number;
  samples_ns: number[];
  samples_ts: number[];
}

/** llama-bench's arguments for `job`: CPU only, the job's prompt lengths, generation length and repetitions. */
export function llamaBenchArgs(job: BenchJob): string[] {
  return [
    ...['-m', job.modelPath, '-t', String(job.threads), '-ngl', '0', '-r', String(job.repetitions)],
    ...['-p', job.pp.length ? job.pp.join(',') : '0', '-n', String(job.tg), '-o', 'json'],
  ];
}

/** The samples of one llama-bench test: its tokens/s and times, with the token count it ran. */
function samplesOf(test: LlamaBenchTest, tokens: number): Sample[] {
  return test.samples_ts.map((tps, i) => ({ tps, tokens, ms: (test.samples_ns[i] ?? Number.NaN) / 1e6 }));
}

/** Turns llama-bench's JSON output into a {@link PeerResult} for `job`. */
export function parseLlamaBenchOutput(json: string, job: BenchJob): PeerResult {
  const tests = JSON.parse(json) as LlamaBenchTest[];
  if (!Array.isArray(tests) || tests.length === 0) throw new Error('llama-bench printed no tests');
  const pp: Record<string, Sample[]> = {};
  let tg: Sample[] = [];
  for (const t of tests) {
    if (t.n_gen === 0 && t.n_prompt > 0) pp[t.n_prompt] = samplesOf(t, t.n_prompt);
    else if (t.n_prompt === 0 && t.n_gen > 0) tg = samplesOf(t, t.n_gen);
  }
  const first = tests[0];
  return {
    peer: 'llama.cpp',
    version: `build ${first.build_number} (${first.build_commit}), ${first.backends ?? 'CPU'}, ${first.cpu_info}`,
    threads: first.n_threads,
    loadMs: Number.NaN,
    pp,
    tg: job.tg > 0 ? tg : [],
  };
}

/** Peak resident memory of process `pid` so far (VmHWM), or undefined where /proc cannot tell. */
function peakRssOf(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs llama-bench for `job` and returns its figures; its peak RSS is sampled from /proc while it runs. */
export function runLlamaCpp(job: BenchJob, signal?: AbortSignal): Promise<PeerResult> {
  const binary = job.llamaBench ?? llamaBenchFromEnv();
  const why = llamaBenchUnavailable(binary);
  if (why) return Promise.reject(new Error(why));
  return new Promise((resolve, reject) => {
    const child = spawn(binary!, llamaBenchArgs(job), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak: number | undefined;
    const poll = setInterval(() => {
      if (child.pid !== undefined) peak = peakRssOf(child.pid) ?? peak;
    }, 200);
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', (e) => {
      clearInterval(poll);
      reject(e);
    });
    child.once('exit', (code, sig) => {
      clearInterval(poll);
      signal?.removeEventListener('abort', onAbort);
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-6).join('\n');
        reject(new Error(`llama-bench exited with ${sig ?? code}: ${tail}`));
        return;
      }
      try {
        resolve({ ...parseLlamaBenchOutput(stdout, job), peakRssBytes: peak });
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The peers by name, and how to run one: in a child process (isolated, its memory measured) or in-process. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runLlamaCpp } from './llama-cpp.js';
import { runLlamats } from './llamats.js';
import { runNodeLlamaCpp } from './node-llama-cpp.js';
import type { BenchJob, PeerResult } from './types.js';
import { runWllama } from './wllama.js';

export const PEERS = ['llamats', 'node-llama-cpp', 'wllama', 'llama.cpp'] as const;
export type PeerName = (typeof PEERS)[number];

/** Runs a job in this process. */
export function runPeerInProcess(
  peer: PeerName,
  job: BenchJob,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<PeerResult> {
  if (peer === 'llamats') return runLlamats(job);
  if (peer === 'node-llama-cpp') return runNodeLlamaCpp(job);
  if (peer === 'llama.cpp') return runLlamaCpp(job, signal);
  return runWllama(job, log, signal);
}

/** Marks the result line a child prints on stdout. */
export const RESULT_MARK = '@@llamats-bench-result ';

/** The child entry: `runner.mjs` beside the bundle (scripts/run.mjs), or `dist/runner.js` after tsc. */
const RUNNER = [new URL('./runner.mjs', import.meta.url), new URL('../runner.js', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p));

/** Whether child runs are possible (a compiled runner exists: not when running from TypeScript sources). */
export const canRunInChild = () => RUNNER !== undefined;

/** Thrown when a child run fails; carries its stderr tail. */
export class PeerRunError extends Error {
  constructor(
    message: string,
    readonly peer: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'PeerRunError';
  }
}

const children = new Set<ReturnType<typeof spawn>>();
/** Kills every child still running (called on exit and on SIGINT). */
export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

/**
 * Runs a job in a fresh Node process (`dist/runner.js`): each peer starts with clean memory, its peak RSS
 * is its own, and a crash or hang cannot take the harness down. Killed after `timeoutMs`.
 */
export function runPeerInChild(
  peer: PeerName,
  job: BenchJob,
  options: { timeoutMs: number; log: (line: string) => void; signal?: AbortSignal },
): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    if (!RUNNER) throw new PeerRunError('No compiled runner: run through scripts/run.mjs or after a build', peer, '');
    // LLAMATS_BENCH_CPU_PROF=DIR: each child writes a V8 CPU profile there (NODE_OPTIONS may not carry --cpu-prof)
    const prof = process.env.LLAMATS_BENCH_CPU_PROF;
    const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
    const child = spawn(process.execPath, [...flags, RUNNER, peer], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      for (const line of d.split('\n')) if (line.startsWith('[log] ')) options.log(line.slice(6));
    });
    child.once('error', reject);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      children.delete(child);
      options.signal?.removeEventListener('abort', onAbort);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code === 0 && line) {
        resolve(JSON.parse(line.slice(RESULT_MARK.length)) as PeerResult);
        return;
      }
      const tail = stderr.trim().split('\n').slice(-8).join('\n');
      reject(new PeerRunError(`${peer} exited with ${sig ?? code}: ${tail}`, peer, stderr));
    });
    child.stdin.end(JSON.stringify(job));
  });
}

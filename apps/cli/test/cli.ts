/**
 * Runs the built CLI (`node dist/main.js`) as a real process and collects what it prints. The global setup
 * (`test/build.ts`) compiles `dist/` first when the sources are newer. `LLAMATS_CLI` may point at another
 * entry (a bundle) to test without building.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cliEntry = process.env.LLAMATS_CLI ?? join(cliDir, 'dist', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin, which is then closed (stdin is otherwise empty). */
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs `llamats ...args` and resolves when it exits. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [cliEntry, ...args], options);
}

export function runProcess(command: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? cliDir,
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The lines a command printed on stderr, without blank ones. */
export const stderrLines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.trim() !== '');

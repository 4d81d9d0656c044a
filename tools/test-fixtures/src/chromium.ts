/**
 * Headless Chromium for browser tests: Debian's `chromium` (`/usr/bin/chromium`, or `$CHROMIUM`), installed
 * with apt-get when it is missing and we are root. Where it cannot be had, tests get a reason to skip, except
 * under CI (`process.env.CI`), where a missing browser is an error: a browser test must not silently vanish.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, offline headless Chromium (add `--user-data-dir` with a fresh folder). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type ChromiumAvailability =
  | { readonly path: string; readonly skip?: undefined }
  | { readonly path?: undefined; readonly skip: string };

export interface EnsureChromiumOptions {
  /** Install attempts (each `apt-get update` then `apt-get install`); default 3. */
  readonly attempts?: number;
  readonly log?: (line: string) => void;
}

/** How long one apt-get run may take. */
const RUN_LIMIT_MS = 6 * 60_000;

function run(cmd: string, args: string[], log: (line: string) => void): Promise<void> {
  log(`${cmd} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-2000);
    });
    // a test file awaits this before its tests exist, where no test timeout applies
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else if (signal === 'SIGKILL')
        reject(new Error(`${cmd} did not finish in ${RUN_LIMIT_MS / 60_000} minutes: ${stderr.trim()}`));
      else reject(new Error(`${cmd} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

function findChromium(): string | undefined {
  const env = process.env.CHROMIUM;
  if (env && existsSync(env)) return env;
  return existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : undefined;
}

function hasAptGet(): boolean {
  return ['/usr/bin/apt-get', '/bin/apt-get'].some((p) => existsSync(p));
}

async function locateOrInstall(options: EnsureChromiumOptions): Promise<ChromiumAvailability> {
  const log = options.log ?? ((line: string) => console.error(`[ensureChromium] ${line}`));
  const found = findChromium();
  if (found) return { path: found };
  if (process.getuid?.() !== 0)
    return {
      skip: `${CHROMIUM_PATH} is missing and we are not root: install it with \`sudo apt-get install chromium\``,
    };
  if (!hasAptGet()) return { skip: `${CHROMIUM_PATH} is missing and there is no apt-get to install it` };
  const attempts = options.attempts ?? 3;
  let last = '';
  // Wait for the dpkg lock instead of failing when another test file installs at the same time; give up
  // on a mirror that stops answering instead of waiting for it.
  const limits = ['-o', 'DPkg::Lock::Timeout=300', '-o', 'Acquire::http::Timeout=60', '-o', 'Acquire::Retries=2'];
  for (let i = 1; i <= attempts; i++) {
    try {
      await run('apt-get', [...limits, 'update', '-qq'], log);
      await run('apt-get', [...limits, 'install', '-y', '-qq', '--no-install-recommends', 'chromium'], log);
    } catch (e) {
      last = (e as Error).message;
      log(`attempt ${i}/${attempts} failed: ${last}`);
    }
    const now = findChromium();
    if (now) return { path: now };
    if (i < attempts) await new Promise((r) => setTimeout(r, 2000 * i));
  }
  return { skip: `could not install Debian's chromium with apt-get (${attempts} attempts): ${last}` };
}

let pending: Promise<ChromiumAvailability> | undefined;

/**
 * Finds Chromium, installing it when possible. Resolves `{ path }`, or `{ skip: reason }` where it cannot be
 * had; under CI it rejects instead of returning a reason to skip.
 */
export function ensureChromium(options: EnsureChromiumOptions = {}): Promise<ChromiumAvailability> {
  pending ??= locateOrInstall(options);
  return pending.then((r) => {
    if (r.skip !== undefined && process.env.CI)
      throw new Error(`Chromium is required under CI but unavailable: ${r.skip}`);
    return r;
  });
}

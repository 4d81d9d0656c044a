/**
 * Headless Chromium for the browser peers: Debian's `chromium` package (installed with apt-get when
 * missing and we are root), driven through playwright-core with a fresh profile and no network beyond
 * loopback.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPeer, PeerUnavailableError } from './peer-modules.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

function run(cmd: string, args: string[], log: (line: string) => void): Promise<void> {
  log(`${cmd} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

/** Installs Debian's chromium when it is missing (as root, with apt-get). */
export async function ensureChromium(log: (line: string) => void): Promise<void> {
  if (hasChromium()) return;
  if (process.getuid?.() !== 0) {
    throw new PeerUnavailableError(
      `${CHROMIUM_PATH} is missing: install it with \`sudo apt-get install -y chromium\``,
      'chromium',
    );
  }
  await run('apt-get', ['update', '-qq'], log);
  await run('apt-get', ['install', '-y', '-qq', 'chromium'], log);
  if (!hasChromium())
    throw new PeerUnavailableError(`apt-get installed chromium but ${CHROMIUM_PATH} is absent`, 'chromium');
}

/** The subset of playwright-core's API the bench uses. */
export interface BrowserPage {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  on(event: 'console', fn: (msg: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (err: Error) => void): void;
}
interface BrowserContext {
  newPage(): Promise<BrowserPage>;
  close(): Promise<void>;
  browser(): { version(): string } | null;
}
interface Playwright {
  chromium: {
    launchPersistentContext(dir: string, options: object): Promise<BrowserContext>;
  };
}

export interface Browser {
  readonly version: string;
  newPage(): Promise<BrowserPage>;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile folder, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const pw = await importPeer<Playwright>('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'llamats-bench-chromium-'));
  let context: BrowserContext;
  try {
    context = await pw.chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 60_000,
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    version: context.browser()?.version() ?? 'chromium',
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

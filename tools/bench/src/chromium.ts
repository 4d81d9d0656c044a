/**
 * Headless Chromium for the browser peers: Debian's `chromium` package (installed with apt-get when
 * missing and we are root), driven through playwright-core with a fresh profile and no network beyond
 * loopback.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, ensureChromium as locateChromium } from '@llamats/test-fixtures';
import { importPeer, PeerUnavailableError } from './peer-modules.js';

export { CHROMIUM_FLAGS, CHROMIUM_PATH };

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Installs Debian's chromium when it is missing (as root, with apt-get; the tests' helper does it). */
export async function ensureChromium(log: (line: string) => void): Promise<void> {
  const found = await locateChromium({ log });
  if (found.skip !== undefined) throw new PeerUnavailableError(found.skip, 'chromium');
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

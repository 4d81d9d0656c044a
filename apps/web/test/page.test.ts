// The chat page end to end in real headless Chromium (Debian's, driven by playwright-core): build with
// esbuild, serve with COOP/COEP on 127.0.0.1, load the demo model in the page's worker, and check the
// greedy completion equals what the engine produces in Node for the same prompt.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@llamats/engine';
import { CHROMIUM_FLAGS, demoModelPath, ensureChromium } from '@llamats/test-fixtures';
import { type BrowserContext, type Page, chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../scripts/build.mjs';
import { type StaticServer, serveStatic } from '../scripts/server.mjs';

const appRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(appRoot, '.cache');
const PROMPT = 'Once upon a time';
const N = 24;

const browserAvailable = await ensureChromium();

describe.skipIf(!browserAvailable.path)(
  `the web demo in headless Chromium${browserAvailable.skip ? ` (skipped: ${browserAvailable.skip})` : ''}`,
  () => {
    let server: StaticServer;
    let plainServer: StaticServer;
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    let expected: string;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      await mkdir(cacheDir, { recursive: true });
      const outdir = await buildPage({ outdir: join(cacheDir, 'dist-test') });
      server = await serveStatic(outdir);
      plainServer = await serveStatic(outdir, { isolated: false });
      profile = await mkdtemp(join(tmpdir(), 'llamats-web-chromium-'));
      const launching = playwright.launchPersistentContext(profile, {
        executablePath: browserAvailable.path,
        headless: true,
        args: [...CHROMIUM_FLAGS],
        timeout: 30_000,
        viewport: { width: 1200, height: 800 },
      });
      // The same prompt, greedily, in Node (in-process, wasm backend).
      const model = await loadModel(demoModelPath, { backend: 'wasm', threads: 1 });
      try {
        expected = await model.generate(PROMPT, { temperature: 0, maxTokens: N }).text();
      } finally {
        await model.dispose();
      }
      context = await launching;
      page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(30_000);
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(server.url);
    }, 90_000);

    afterAll(async () => {
      await context?.close().catch(() => {});
      await server?.close();
      await plainServer?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
    });

    async function setSettings(mode: 'complete' | 'chat', temperature: number, maxTokens: number, ignoreEos = false) {
      await page.selectOption('#mode', mode);
      await page.fill('#temperature', String(temperature));
      await page.fill('#max-tokens', String(maxTokens));
      await page.setChecked('#ignore-eos', ignoreEos);
    }

    async function loadDemo(source: 'demo' | 'file' | 'url' = 'demo') {
      await page.check(`input[name="source"][value="${source}"]`);
      await page.click('#load');
      await page.waitForFunction(
        () => document.body.dataset.state === 'ready' || !!document.getElementById('error')?.textContent,
        undefined,
        {
          timeout: 60_000,
        },
      );
      expect(await page.textContent('#error')).toBe('');
    }

    /** Sends the prompt and waits for the reply to finish; returns the reply item's text and data. */
    async function sendAndWait(prompt: string, timeout = 60_000) {
      const before = await page.locator('#messages li[data-role="assistant"]').count();
      await page.fill('#prompt', prompt);
      await page.click('#send');
      const item = page.locator('#messages li[data-role="assistant"]').nth(before);
      await item.and(page.locator('[data-done]')).waitFor({ timeout });
      return {
        text: (await item.locator('.body').textContent()) ?? '',
        finish: await item.getAttribute('data-finish'),
        tokens: Number(await item.getAttribute('data-tokens')),
        stats: (await item.locator('.stats').textContent()) ?? '',
      };
    }

    it('loads the demo model in the worker with threads on the isolated page, progress reaching 100%', async () => {
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      await loadDemo();
      const progress = await page.$eval('#load-progress', (p) => ({
        value: (p as HTMLProgressElement).value,
        max: (p as HTMLProgressElement).max,
        loaded: Number((p as HTMLElement).dataset.loaded),
        total: Number((p as HTMLElement).dataset.total),
      }));
      expect(progress.value).toBe(progress.max);
      expect(progress.total).toBeGreaterThan(4_000_000);
      expect(progress.loaded).toBe(progress.total);
      expect(await page.textContent('#load-status')).toMatch(/100%/);
      const info = page.locator('#backend-info');
      expect(await info.getAttribute('data-backend')).toBe('wasm');
      expect(Number(await info.getAttribute('data-threads'))).toBeGreaterThan(1);
      expect(await info.textContent()).toMatch(/cross-origin isolated/);
    }, 70_000);

    it('completes "Once upon a time" greedily exactly as the engine does in Node', async () => {
      await setSettings('complete', 0, N);
      const reply = await sendAndWait(PROMPT);
      expect(expected.length).toBeGreaterThan(10);
      expect(reply.text).toBe(expected);
      expect(reply.tokens).toBe(N);
      expect(reply.finish).toBe('length');
      expect(reply.stats).toMatch(/\d+(\.\d+)? tokens\/s/);
    }, 70_000);

    it('cancels a slow load', async () => {
      // Every Range read of the model takes 150 ms, so the load takes long enough to be cancelled.
      const pattern = '**/models/stories-demo-Q8_0.gguf';
      await context.route(pattern, async (route) => {
        await new Promise((r) => setTimeout(r, 150));
        await route.continue().catch(() => {});
      });
      try {
        await page.check('input[name="source"][value="demo"]');
        await page.click('#load');
        await page.waitForFunction(
          () => (document.getElementById('load-progress') as HTMLProgressElement).value > 0,
          undefined,
          {
            timeout: 20_000,
          },
        );
        expect(await page.isEnabled('#cancel-load')).toBe(true);
        await page.click('#cancel-load');
        await page.waitForFunction(() => document.body.dataset.state === 'idle', undefined, { timeout: 20_000 });
        expect(await page.textContent('#load-status')).toBe('Loading cancelled.');
        expect(await page.isEnabled('#send')).toBe(false);
      } finally {
        await context.unroute(pattern);
      }
      await loadDemo();
    }, 60_000);

    it('Stop halts a long generation', async () => {
      // past end-of-text too, so that only Stop (or 100000 tokens) can end it: the story model ends its stories
      await setSettings('complete', 0.8, 100_000, true);
      const before = await page.locator('#messages li[data-role="assistant"]').count();
      await page.fill('#prompt', 'The dragon');
      await page.click('#send');
      const item = page.locator('#messages li[data-role="assistant"]').nth(before);
      await page.waitForFunction(
        (i) =>
          (document.querySelectorAll('#messages li[data-role="assistant"]')[i]?.querySelector('.body')?.textContent
            ?.length ?? 0) > 20,
        before,
        { timeout: 30_000 },
      );
      expect(await page.isEnabled('#stop')).toBe(true);
      await page.click('#stop');
      await item.and(page.locator('[data-done]')).waitFor({ timeout: 15_000 });
      expect(await item.getAttribute('data-finish')).toBe('abort');
      expect(Number(await item.getAttribute('data-tokens'))).toBeLessThan(100_000);
      expect(await page.isEnabled('#send')).toBe(true);
    }, 60_000);

    it('shows a clear error for a file that is not GGUF, and the page still works', async () => {
      await page.setInputFiles('#model-file', {
        name: 'notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('These are my notes, not a model.\n'.repeat(20)),
      });
      expect(await page.isChecked('input[name="source"][value="file"]')).toBe(true);
      await page.click('#load');
      await page.locator('#error:not([hidden])').waitFor({ timeout: 20_000 });
      expect(await page.textContent('#error')).toMatch(/Could not load notes\.txt\. Not a GGUF file/);
      expect(await page.getAttribute('body', 'data-state')).toBe('idle');
      expect(await page.isEnabled('#load')).toBe(true);
      // The page recovers: load the demo again, this time typed in as a URL (HTTP Range), and chat with it.
      await page.fill('#model-url', `${server.url}models/stories-demo-Q8_0.gguf`);
      await loadDemo('url');
      expect(await page.textContent('#load-status')).toContain('/models/stories-demo-Q8_0.gguf');
      await setSettings('chat', 0, 8);
      await page.fill('#system', 'You tell short stories.');
      const reply = await sendAndWait('Tell me about a cat.');
      expect(reply.tokens).toBeGreaterThan(0);
      expect(await page.isVisible('#error')).toBe(false);
      await setSettings('complete', 0, N);
      await page.screenshot({ path: join(cacheDir, 'web-demo.png'), fullPage: true });
      expect(pageErrors).toEqual([]);
    }, 70_000);

    it('falls back to one thread on a page without cross-origin isolation, and loads a picked File', async () => {
      const isolatedPage = page;
      page = await context.newPage();
      try {
        page.on('pageerror', (e) => pageErrors.push(e.message));
        await page.goto(plainServer.url);
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
        await page.locator('#backend-info.warn').waitFor({ timeout: 10_000 });
        expect(await page.textContent('#backend-info')).toMatch(/1 thread.*not cross-origin isolated/);
        await page.setInputFiles('#model-file', demoModelPath);
        await loadDemo('file');
        expect(await page.textContent('#load-status')).toContain('stories-demo-Q8_0.gguf');
        expect(await page.getAttribute('#backend-info', 'data-threads')).toBe('1');
        await setSettings('complete', 0, N);
        const reply = await sendAndWait(PROMPT);
        expect(reply.text).toBe(expected);
        expect(pageErrors).toEqual([]);
      } finally {
        await page.close();
        page = isolatedPage;
      }
    }, 60_000);
  },
);

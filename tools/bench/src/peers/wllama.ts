/**
 * wllama (llama.cpp compiled to WebAssembly) in headless Chromium: the page `page/wllama-bench.js`,
 * served cross-origin isolated from loopback, loads the model by URL and times the same tests as the
 * Node peers. Each job gets its own browser, closed afterwards.
 */
import { basename, dirname, join } from 'node:path';
import { getStringArray } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { launchChromium } from '../chromium.js';
import { pageDir, peersModules } from '../paths.js';
import { peerPackageVersion } from '../peer-modules.js';
import { serveStatic } from '../server.js';
import type { BenchJob, PeerResult, Sample } from './types.js';

interface PageResult {
  loadMs: number;
  firstTokenMs: number;
  pp: Record<string, Sample[]>;
  tg: Sample[];
  /** Tests that failed inside the page, with wllama's message. */
  errors: string[];
  notes: Record<string, unknown>;
}

/** llama.cpp log lines worth passing on: errors and rejected requests, not the loader's chatter. */
const WORTH_LOGGING = /error|exception|failed|abort|out of memory/i;
/** Expected on a GPU-less browser: wllama probes WebGPU first. */
const IGNORED = /ggml_webgpu|favicon/;

/**
 * Byte-fallback tokens (`<0xE3>`...). wllama returns generated text as JSON, and random weights pick byte
 * tokens that form invalid UTF-8, on which llama.cpp's JSON encoder throws (`invalid UTF-8 byte`) and the
 * request fails. The page bans them with a logit bias; the other peers count tokens and need no text.
 */
async function byteTokenIds(modelPath: string): Promise<number[]> {
  const gguf = await openGgufFile(modelPath);
  try {
    const vocab = getStringArray(gguf, 'tokenizer.ggml.tokens') ?? [];
    const ids: number[] = [];
    vocab.forEach((piece, id) => {
      if (/^<0x[0-9A-Fa-f]{2}>$/.test(piece)) ids.push(id);
    });
    return ids;
  } finally {
    await gguf.close();
  }
}

/** Runs one job in a fresh Chromium; `log` gets the page's errors; aborting closes the browser at once. */
export async function runWllama(
  job: BenchJob,
  log: (line: string) => void = () => {},
  signal?: AbortSignal,
): Promise<PeerResult> {
  signal?.throwIfAborted();
  const server = await serveStatic({
    '/wllama/': join(peersModules, '@wllama', 'wllama'),
    '/models/': dirname(job.modelPath),
    '/': pageDir,
  });
  const browser = await launchChromium();
  const onAbort = () => void browser.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`wllama page error: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text();
      if (
        process.env.LLAMATS_BENCH_DEBUG ||
        ((m.type() === 'error' || WORTH_LOGGING.test(text)) && !IGNORED.test(text))
      ) {
        log(`wllama page: ${text.split('\n')[0]}`);
      }
    });
    await page.goto(`${server.origin}/bench.html`);
    await page.waitForFunction('window.wllamaBenchReady === true', undefined, { timeout: 60_000 });
    const pageJob = {
      modelUrl: `${server.origin}/models/${encodeURIComponent(basename(job.modelPath))}`,
      threads: job.threads,
      pp: job.pp,
      tg: job.tg,
      repetitions: job.repetitions,
      tokens: job.tokens,
      words: job.words,
      bannedTokens: await byteTokenIds(job.modelPath),
    };
    const r = await page.evaluate(
      (j) => (globalThis as unknown as { runWllamaBench(j: unknown): Promise<PageResult> }).runWllamaBench(j),
      pageJob,
    );
    return {
      peer: 'wllama',
      version: `${peerPackageVersion('@wllama/wllama')}, Chromium ${browser.version}`,
      threads: job.threads,
      loadMs: r.loadMs,
      firstTokenMs: r.firstTokenMs,
      pp: r.pp,
      tg: r.tg,
      errors: r.errors,
      notes: r.notes,
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await browser.close();
    await server.close();
  }
}

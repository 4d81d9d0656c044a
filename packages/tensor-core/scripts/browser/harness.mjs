// Runs a TypeScript entry in headless Chromium: bundles it with esbuild (workspace packages from their
// sources), serves it from a local HTTP server (with the COOP/COEP headers of cross-origin isolation, or
// without), and returns what the page POSTs to /result.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/** Bundles `entry` for the browser. */
export async function bundle(entry) {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}

/** Loads `script` in a fresh headless Chromium page and resolves with the JSON it posts to /result. */
export async function runInChromium(script, { chromium = 'chromium', isolated = true, timeoutMs = 180_000 } = {}) {
  let resolve;
  const done = new Promise((r) => {
    resolve = r;
  });
  const page = '<!doctype html><meta charset="utf-8"><script type="module" src="entry.js"></script>';
  const server = createServer((req, res) => {
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
      : {};
    if (req.url === '/result' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res.end('ok');
        resolve(JSON.parse(body));
      });
      return;
    }
    if (req.url === '/entry.js') res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(script);
    else res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(page);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const profile = await mkdtemp(join(tmpdir(), 'llamats-chromium-'));
  const browser = spawn(
    chromium,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      // no connections beyond loopback: a closed network refuses them, many at a time
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      `http://127.0.0.1:${server.address().port}/`,
    ],
    { stdio: 'ignore' },
  );
  const timeout = setTimeout(() => resolve({ error: `timed out after ${timeoutMs / 1000} s` }), timeoutMs);
  const result = await done;
  clearTimeout(timeout);
  // a browser that crashed has already exited: its 'exit' event will not come again
  const exited =
    browser.exitCode !== null || browser.signalCode !== null
      ? Promise.resolve()
      : new Promise((r) => browser.once('exit', r));
  browser.kill();
  await exited;
  server.close();
  await rm(profile, { recursive: true, force: true }).catch(() => {});
  return result;
}

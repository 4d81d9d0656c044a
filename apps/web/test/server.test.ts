// The static server the demo is served with: cross-origin isolation headers, Range reads, no escaping root.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, serveStatic } from '../scripts/server.mjs';

let dir: string;
let server: StaticServer;
let plain: StaticServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llamats-web-serve-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(dir, 'model.gguf'), Buffer.from('0123456789'));
  server = await serveStatic(dir);
  plain = await serveStatic(dir, { isolated: false });
});
afterAll(async () => {
  await server.close();
  await plain.close();
  await rm(dir, { recursive: true, force: true });
});

function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(new URL(url), { path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveStatic', () => {
  it('serves index.html with COOP/COEP on 127.0.0.1, and without them when asked', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get(server.url, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const p = await get(plain.url, '/');
    expect(p.headers['cross-origin-embedder-policy']).toBeUndefined();
  });

  it('answers Range requests with 206 and Content-Range, 416 past the end', async () => {
    const r = await get(server.url, '/model.gguf', { Range: 'bytes=2-5' });
    expect(r.status).toBe(206);
    expect(r.body).toBe('2345');
    expect(r.headers['content-range']).toBe('bytes 2-5/10');
    expect((await get(server.url, '/model.gguf', { Range: 'bytes=7-' })).body).toBe('789');
    expect((await get(server.url, '/model.gguf', { Range: 'bytes=-2' })).body).toBe('89');
    const past = await get(server.url, '/model.gguf', { Range: 'bytes=10-12' });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */10');
    const head = await get(server.url, '/model.gguf', {}, 'HEAD');
    expect(head.headers['content-length']).toBe('10');
    expect(head.body).toBe('');
  });

  it('does not serve outside its folder, nor other methods', async () => {
    expect((await get(server.url, '/../../etc/passwd')).status).toBe(404);
    expect((await get(server.url, '/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect([403, 404]).toContain((await get(server.url, '/..%2f..%2fetc%2fpasswd')).status);
    expect((await get(server.url, '/', {}, 'POST')).status).toBe(405);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, serveStatic } from '../src/server.js';

let dir: string;
let server: StaticServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-server-'));
  await writeFile(
    join(dir, 'model.gguf'),
    Uint8Array.from({ length: 100 }, (_, i) => i),
  );
  await writeFile(join(dir, 'page.js'), 'export {}');
  server = await serveStatic({ '/models/': dir, '/': dir });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serveStatic', () => {
  it('listens on loopback and makes pages cross-origin isolated', async () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.origin}/page.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
  });

  it('honours Range requests', async () => {
    const res = await fetch(`${server.origin}/models/model.gguf`, { headers: { Range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 10-19/100');
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const tail = await fetch(`${server.origin}/models/model.gguf`, { headers: { Range: 'bytes=-5' } });
    expect([...new Uint8Array(await tail.arrayBuffer())]).toEqual([95, 96, 97, 98, 99]);
  });

  it('serves nothing outside its folders', async () => {
    expect((await fetch(`${server.origin}/models/missing.gguf`)).status).toBe(404);
    expect((await fetch(`${server.origin}/models/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });
});

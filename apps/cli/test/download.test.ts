import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@llamats/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli.js';

const demo = fixturePath('models/stories-demo-Q8_0.gguf');

/** A static server for one file with Range support; `cutFirst` drops the first full download halfway. */
function serve(file: Buffer) {
  const log: { range: string | undefined }[] = [];
  let cutNext = false;
  const server: Server = createServer((req, res) => {
    log.push({ range: req.headers.range });
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Number(m[2]) : file.byteLength - 1;
      if (start >= file.byteLength) {
        res.writeHead(416, { 'Content-Range': `bytes */${file.byteLength}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Range': `bytes ${start}-${end}/${file.byteLength}`,
        'Content-Length': end - start + 1,
      });
      res.end(file.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'Content-Length': file.byteLength });
    if (cutNext) {
      cutNext = false;
      res.write(file.subarray(0, file.byteLength >> 1), () => res.destroy());
      return;
    }
    res.end(file);
  });
  return {
    server,
    log,
    cutFirstDownload: () => {
      cutNext = true;
    },
  };
}

describe.skipIf(!demo)('models from URLs', () => {
  const file = demo ? readFileSync(demo) : Buffer.alloc(0);
  const http = serve(file);
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => http.server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => http.server.close(() => r())));

  it('inspect reads only the header of an uncached URL', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'llamats-cache-'));
    const remote = await cli(['inspect', `${base}/stories.gguf`, '--json'], { env: { LLAMATS_CACHE: cache } });
    expect(remote.code, remote.stderr).toBe(0);
    const local = await cli(['inspect', demo!, '--json']);
    expect(JSON.parse(remote.stdout).tensors).toEqual(JSON.parse(local.stdout).tensors);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('downloads into the cache, resumes an interrupted download with Range, then reuses the file', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'llamats-cache-'));
    const out = join(cache, 'out.gguf');
    const args = ['quantize', `${base}/models/stories%20demo.gguf`, out, 'Q8_0', '--allow-requantize'];
    const env = { LLAMATS_CACHE: cache };
    http.log.length = 0;
    http.cutFirstDownload();
    const first = await cli(args, { env });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^error: Download of .* stopped at \d+ of \d+ bytes.*run the command again to resume/);
    const partial = join(cache, 'stories_demo.gguf.partial');
    expect(existsSync(partial)).toBe(true);

    const second = await cli(args, { env });
    expect(second.code, second.stderr).toBe(0);
    expect(http.log.at(-1)!.range).toMatch(/^bytes=\d+-$/);
    expect(Number(/^bytes=(\d+)-$/.exec(http.log.at(-1)!.range!)![1])).toBeGreaterThan(0);
    expect(Buffer.compare(readFileSync(join(cache, 'stories_demo.gguf')), file)).toBe(0);
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(out)).toBe(true);

    const requests = http.log.length;
    const byName = await cli(['inspect', 'stories_demo', '--json'], { env });
    expect(byName.code).toBe(0);
    const again = await cli(args, { env });
    expect(again.code).toBe(0);
    expect(http.log.length).toBe(requests);
  });

  it('reports HTTP errors in one line', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'llamats-cache-'));
    const r = await cli(['quantize', 'http://127.0.0.1:9/none.gguf', join(cache, 'x.gguf'), 'Q8_0'], {
      env: { LLAMATS_CACHE: cache },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: Cannot download http:\/\/127\.0\.0\.1:9\/none\.gguf/);
  });
});

/** A tiny HTTP server over a folder for tests: Range requests (or not), on 127.0.0.1 and a random port. */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface TestServer {
  readonly url: string;
  /** Number of requests served. */
  readonly requests: () => number;
  close(): Promise<void>;
}

/** Serves files from `dir` (or a map of name to bytes). `ranges: false` answers 200 with the whole file. */
export async function startTestServer(
  files: string | ReadonlyMap<string, Uint8Array>,
  options: { ranges?: boolean } = {},
): Promise<TestServer> {
  const ranges = options.ranges ?? true;
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    let body: Uint8Array | undefined;
    try {
      body = typeof files === 'string' ? readFileSync(join(files, name)) : files.get(name);
    } catch {
      body = undefined;
    }
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!ranges || !m) {
      res.writeHead(200, { 'content-length': body.byteLength }).end(body);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), body.byteLength - 1);
    if (start >= body.byteLength || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${body.byteLength}` }).end();
      return;
    }
    res
      .writeHead(206, {
        'content-range': `bytes ${start}-${end}/${body.byteLength}`,
        'content-length': end - start + 1,
      })
      .end(body.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // fetch keeps connections alive; end them so close() returns at once.
        server.closeAllConnections();
      }),
  };
}

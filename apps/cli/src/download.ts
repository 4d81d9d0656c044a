/**
 * Downloads a model into the cache directory: written to `<name>.partial` and renamed when complete, resumed
 * with an HTTP Range request when a partial file is there, and checked against the size the server announced.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { CliError } from './errors.js';
import { progressBar } from './progress.js';

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Show a progress bar on stderr (when it is a terminal). */
  progress?: boolean;
}

/** The cache file name for a URL: its last path segment, made safe for every file system. */
export function cacheFileName(url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
  const safe = last.replace(/[^\w.+-]/g, '_');
  return safe && safe !== '.' && safe !== '..' ? safe : 'model.gguf';
}

async function sizeOf(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.size;
}

/** Total size from a 206 response's `Content-Range: bytes a-b/total`. */
function totalFromContentRange(header: string | null): number | undefined {
  const m = header ? /\/(\d+)\s*$/.exec(header) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Downloads `url` into `dir` unless a complete copy is there already; returns the file path.
 * An interrupted download leaves `<name>.partial`, which the next call resumes.
 */
export async function downloadToCache(url: URL, dir: string, options: DownloadOptions = {}): Promise<string> {
  const target = join(dir, cacheFileName(url));
  if ((await sizeOf(target)) !== undefined) return target;
  await mkdir(dir, { recursive: true });
  const partial = `${target}.partial`;
  let have = (await sizeOf(partial)) ?? 0;

  let res: Response;
  try {
    res = await fetch(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: options.signal,
      redirect: 'follow',
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new CliError(`Cannot download ${url.href}: ${(cause as Error).message}. Check the URL and your network.`);
  }
  let total: number | undefined;
  if (res.status === 206) {
    total = totalFromContentRange(res.headers.get('content-range'));
  } else if (res.status === 416 && have > 0) {
    // The partial file may already be whole: the server has nothing past its end.
    total = totalFromContentRange(res.headers.get('content-range'));
    if (total === have) {
      await rename(partial, target);
      return target;
    }
    await unlink(partial);
    throw new CliError(
      `The partial download of ${url.href} does not match the server's file; run the command again to restart it.`,
    );
  } else if (res.ok) {
    // A full response: the server ignored the range (or none was asked), so start over.
    have = 0;
    const len = res.headers.get('content-length');
    total = len !== null ? Number(len) : undefined;
  } else {
    throw new CliError(`Cannot download ${url.href}: HTTP ${res.status} ${res.statusText}. Check the URL.`);
  }
  if (!res.body) throw new CliError(`Cannot download ${url.href}: the server sent no body`);

  const bar = progressBar({ title: `downloading ${cacheFileName(url)}`, enabled: options.progress !== false });
  const out = createWriteStream(partial, { flags: have > 0 ? 'a' : 'w' });
  let got = have;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      got += chunk.byteLength;
      bar.update(got, total ?? got);
    }
    out.end();
    await finished(out);
  } catch (cause) {
    out.destroy();
    bar.done();
    if (options.signal?.aborted) throw cause;
    throw new CliError(
      `Download of ${url.href} stopped at ${got} of ${total ?? '?'} bytes (${(cause as Error).message}); ` +
        'run the command again to resume it.',
    );
  }
  bar.done();
  const size = (await sizeOf(partial)) ?? 0;
  if (total !== undefined && size !== total) {
    throw new CliError(
      `Download of ${url.href} is incomplete: ${size} of ${total} bytes; run the command again to resume it.`,
    );
  }
  await rename(partial, target);
  return target;
}

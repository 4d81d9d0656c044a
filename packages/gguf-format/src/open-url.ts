/** Opening a model over HTTP(S) with Range requests, split models included. */
import { UrlSource, type UrlSourceOptions } from './byte-source.js';
import type { GgufFile } from './gguf-file.js';
import type { ParseOptions } from './reader.js';
import { openGgufSplit, parseSplitFileName, splitFileName } from './split.js';

/**
 * Opens a GGUF model at a URL, reading only the header and directory. A URL whose path ends in
 * `-0000k-of-0000n.gguf` opens every part of the split model (same folder, same query string).
 */
export async function openGgufUrl(url: string | URL, options: UrlSourceOptions & ParseOptions = {}): Promise<GgufFile> {
  const u = new URL(String(url));
  const slash = u.pathname.lastIndexOf('/');
  const split = parseSplitFileName(u.pathname.slice(slash + 1));
  const urls = [u.href];
  if (split && split.count > 1) {
    urls.length = 0;
    for (let i = 0; i < split.count; i++) {
      const part = new URL(u.href);
      part.pathname = u.pathname.slice(0, slash + 1) + splitFileName(split.prefix, i, split.count);
      urls.push(part.href);
    }
  }
  const sources: UrlSource[] = [];
  for (const href of urls) sources.push(await UrlSource.open(href, options));
  return openGgufSplit(sources, options);
}

/** Opening a model's GGUF header and directory without reading its weights (inspect, tokenize). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type GgufFile, openGgufUrl } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { cacheFileName } from './download.js';
import { cacheDir, type ResolveOptions, resolveModel } from './model-source.js';

export interface OpenedGguf {
  readonly gguf: GgufFile;
  /** Path or URL shown to the user. */
  readonly location: string;
  close(): Promise<void>;
}

/**
 * Opens MODEL's header. A URL that is not cached yet is read in place with Range requests (only the header
 * bytes travel); everything else goes through {@link resolveModel}.
 */
export async function openGgufHeader(ref: string | undefined, options: ResolveOptions = {}): Promise<OpenedGguf> {
  if (ref && /^https?:\/\//i.test(ref)) {
    const url = new URL(ref);
    if (!existsSync(join(cacheDir(), cacheFileName(url)))) {
      const gguf = await openGgufUrl(url, { signal: options.signal });
      return { gguf, location: ref, close: async () => {} };
    }
  }
  const path = await resolveModel(ref, options);
  const gguf = await openGgufFile(path);
  return {
    gguf,
    location: path,
    close: async () => {
      for (const s of gguf.sources) await s.close?.();
    },
  };
}

/**
 * Where a MODEL argument points: a path, an http(s) URL (downloaded into the cache), the name of a file in
 * the cache, or nothing (the demo model shipped in the repository, or `$LLAMATS_MODEL`).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadToCache } from './download.js';
import { CliError } from './errors.js';

/** The demo model committed in the repository (`models/` at the root: three levels above `dist/` or `src/`). */
export const demoModelPath = fileURLToPath(new URL('../../../models/stories-demo-Q8_0.gguf', import.meta.url));

/** `$LLAMATS_CACHE`, else `~/.cache/llamats`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LLAMATS_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'llamats');
}

export interface ResolveOptions {
  signal?: AbortSignal;
  progress?: boolean;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** Resolves a MODEL argument to a local file path, downloading it first when it is a URL. */
export async function resolveModel(ref: string | undefined, options: ResolveOptions = {}): Promise<string> {
  if (ref === undefined || ref === '') {
    const fromEnv = process.env.LLAMATS_MODEL;
    if (fromEnv) return resolveModel(fromEnv, options);
    if (isFile(demoModelPath)) return demoModelPath;
    throw new CliError(`No MODEL given and the demo model is not at ${demoModelPath}; pass a .gguf path or URL.`);
  }
  if (/^https?:\/\//i.test(ref)) {
    let url: URL;
    try {
      url = new URL(ref);
    } catch {
      throw new CliError(`"${ref}" is not a valid URL`);
    }
    return downloadToCache(url, cacheDir(), options);
  }
  if (isFile(ref)) return ref;
  if (existsSync(ref)) throw new CliError(`${ref} is a directory, not a model file; pass the .gguf file inside it`);
  const dir = cacheDir();
  for (const name of [ref, `${ref}.gguf`]) {
    const cached = join(dir, name);
    if (!name.includes('/') && isFile(cached)) return cached;
  }
  const inCache = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.gguf')) : [];
  const hint =
    inCache.length > 0 ? ` (cached models: ${inCache.slice(0, 5).join(', ')}${inCache.length > 5 ? ', ...' : ''})` : '';
  throw new CliError(
    `Model not found: ${ref} is neither a file nor a model in the cache ${dir}${hint}; pass a .gguf path or a URL.`,
  );
}

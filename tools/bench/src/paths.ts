/** Where the bench keeps things: its package folder, the peers' install, the generated models. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `tools/bench`: the nearest folder above this module (in `src/`, `dist/` or a bundle) that is this package. */
function findBenchDir(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@llamats/bench') {
      return dir;
    }
  }
  return resolve(start, '..');
}

export const benchDir = findBenchDir();
/** The peers' own npm install (pinned in `peers/package.json`, outside the pnpm workspace). */
export const peersDir = join(benchDir, 'peers');
export const peersModules = join(peersDir, 'node_modules');
/** Static files of the browser page. */
export const pageDir = join(benchDir, 'page');
/** Generated bench models (gitignored). */
export const modelsDir = join(benchDir, '.models');

/** Where the bench keeps things: its package folder, the peers' install, the generated models. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `tools/bench` (this module lives in `src/` or `dist/`). */
export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The peers' own npm install (pinned in `peers/package.json`, outside the pnpm workspace). */
export const peersDir = join(benchDir, 'peers');
export const peersModules = join(peersDir, 'node_modules');
/** Static files of the browser page. */
export const pageDir = join(benchDir, 'page');
/** Generated bench models (gitignored). */
export const modelsDir = join(benchDir, '.models');

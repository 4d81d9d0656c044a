/**
 * Vitest global setup: the tests drive `dist/main.js`, so compile the CLI when any source is newer than it
 * (turbo's `test` task builds first; this keeps a local `npx vitest run` honest too). The packages the CLI
 * imports resolve to their own `dist/` and must be built (`npx turbo run build --filter=@llamats/cli...`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cliDir } from './cli.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  if (process.env.LLAMATS_CLI) return;
  const main = join(cliDir, 'dist', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(cliDir, 'src'))) return;
  const tsc = createRequire(join(cliDir, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: cliDir,
    stdio: 'inherit',
  });
}

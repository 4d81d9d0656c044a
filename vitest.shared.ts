// Shared vitest settings: workspace packages resolve to their TypeScript sources, so a test sees the
// current code of every package it imports without a build step (the wasm kernels are the exception:
// tensor-core's `build` compiles them, and turbo runs it before any test).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

function workspaceSource(name: string, subpath: string): string | undefined {
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = join(root, group, name, 'src');
    if (!existsSync(dir)) continue;
    const file = join(dir, `${subpath || 'index'}.ts`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export default defineConfig({
  plugins: [
    {
      name: 'llamats-workspace-sources',
      enforce: 'pre',
      resolveId(id) {
        const m = /^@llamats\/([^/]+)(?:\/(.+))?$/.exec(id);
        if (!m) return null;
        return workspaceSource(m[1], m[2] ?? '') ?? null;
      },
    },
  ],
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // a test stuck where the timeouts above cannot fire is reported and ended (see the file)
    setupFiles: [join(root, 'tools/test-fixtures/src/watchdog-setup.ts')],
  },
});

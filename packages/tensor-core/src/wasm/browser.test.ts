// The wasm backend in headless Chromium (scripts/browser-check.mjs): SIMD-128, relaxed-SIMD and VNNI kernels,
// Web Worker threads on a cross-origin isolated page, one thread on a page without isolation. Chromium comes
// from `ensureChromium()` (Debian's package, installed with apt-get when missing and we are root); skipped
// only where it cannot be had, and never under CI, where a missing browser fails.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';

const chromium = await ensureChromium();
const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/browser-check.mjs');

describe.skipIf(!chromium.path)(
  `wasm backend in a browser${chromium.skip ? ` (skipped: ${chromium.skip})` : ''}`,
  () => {
    it('passes every kernel check, threaded when isolated and single-threaded otherwise', () => {
      const run = spawnSync(process.execPath, [script, chromium.path!], { encoding: 'utf8', timeout: 240_000 });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(output).toContain('relaxedSimd=false vnni=false: AssemblyScript SIMD kernels, 2 threads');
      expect(output).toContain(
        'relaxedSimd=auto vnni=true: AssemblyScript relaxed SIMD (fused dot-add) kernels, 2 threads',
      );
      expect(output).toContain('1 thread (SharedArrayBuffer unavailable');
      expect(output.match(/(\d+)\/\1 checks passed/g)?.length, output).toBe(2);
      expect(run.status, output).toBe(0);
    }, 300_000);
  },
);

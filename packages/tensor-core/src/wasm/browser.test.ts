// The wasm backend in headless Chromium (scripts/browser-check.mjs): relaxed-SIMD and SIMD-128 kernels,
// Web Worker threads on a cross-origin isolated page, one thread on a page without isolation. Skipped
// where no Chromium is installed (set CHROMIUM to its path if it is not on PATH as `chromium`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const chromium = process.env.CHROMIUM ?? 'chromium';
const present = spawnSync(chromium, ['--version'], { encoding: 'utf8' }).status === 0;
const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/browser-check.mjs');

describe.skipIf(!present)('wasm backend in a browser', () => {
  it('passes every kernel check, threaded when isolated and single-threaded otherwise', () => {
    const run = spawnSync(process.execPath, [script, chromium], { encoding: 'utf8', timeout: 240_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).toContain('relaxedSimd=false: AssemblyScript SIMD kernels, 2 threads');
    expect(output).toContain('1 thread (SharedArrayBuffer unavailable');
    expect(output.match(/(\d+)\/\1 checks passed/g)?.length, output).toBe(2);
    expect(run.status, output).toBe(0);
  });
});

// Checks the wasm backend in a real browser (headless Chromium): the kernels with and without relaxed
// SIMD, threads (Web Workers on shared memory) on a cross-origin isolated page, and the single-thread
// fallback on a page that is not isolated. Each page compares results with the reference math and posts
// them back. Node 20's own V8 cannot check the relaxed kernels (see src/wasm/environment.ts).
// Usage: node scripts/browser-check.mjs [path/to/chromium]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, runInChromium } from './browser/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.argv[2] ?? process.env.CHROMIUM ?? 'chromium';
const script = await bundle(join(root, 'scripts/browser/check.ts'));

let failed = 0;
for (const isolated of [true, false]) {
  const r = await runInChromium(script, { chromium, isolated });
  console.log(`\n${isolated ? 'cross-origin isolated page' : 'page without isolation'}`);
  if (r.error) {
    console.log(`  error: ${r.error}`);
    failed++;
    continue;
  }
  for (const line of r.info) console.log(`  ${line}`);
  const bad = r.results.filter((x) => !x.ok);
  failed += bad.length;
  console.log(`  ${r.results.length - bad.length}/${r.results.length} checks passed`);
  for (const x of bad) console.log(`  FAIL ${x.check} [${x.detail}]: ${x.value} (limit ${x.limit})`);
}
process.exit(failed ? 1 : 0);

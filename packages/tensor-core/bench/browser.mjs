// The kernel benchmark in headless Chromium (cross-origin isolated page, so threads work): compares the
// relaxed-SIMD kernels with the SIMD-128 ones at 1 and 2 threads. Usage: node bench/browser.mjs [chromium]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, runInChromium } from '../scripts/browser/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.argv[2] ?? process.env.CHROMIUM ?? 'chromium';
const r = await runInChromium(await bundle(join(root, 'bench/browser-entry.ts')), { chromium, timeoutMs: 600_000 });
if (r.error) {
  console.error(r.error);
  process.exit(1);
}
console.log('kernels (Chromium)                        | threads | type  | mv GB/s | mm GFLOP/s | read GB/s');
for (const x of r.results) {
  console.log(
    `${x.kernels.padEnd(42)}| ${String(x.threads).padStart(7)} | ${x.type.padEnd(5)} | ${x.matvecGBs.toFixed(1).padStart(7)} | ${x.matmulGflops.toFixed(1).padStart(10)} | ${x.bandwidthGBs.toFixed(1).padStart(9)}`,
  );
}

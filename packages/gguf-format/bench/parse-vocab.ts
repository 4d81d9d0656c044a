/**
 * Benchmark: how long `parseGguf` takes on the vocabulary fixtures (metadata arrays of 100k+ strings).
 * Run with `pnpm bench` in this package. Prints the median and best of several runs per file, parsing
 * from memory (the parser alone) and from the file (the parser plus positional reads).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemorySource, parseGguf } from '../src/index.js';
import { openGgufFile } from '../src/node.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUP = 3;

interface Timing {
  /** The first run (includes the JIT warming up on this file's shapes). */
  first: number;
  median: number;
  best: number;
}

async function time(fn: () => Promise<void>): Promise<Timing> {
  const t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  for (let i = 1; i < WARMUP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { first, median: times[Math.floor(times.length / 2)], best: times[0] };
}

// Bundled before it runs, so fixtures are found from the working directory (the package), not import.meta.url.
const vocabDir = [
  join(process.env.LLAMATS_SHARED ?? resolve('../../../shared'), 'fixtures/vocab'),
  resolve('../../fixtures/vocab'),
].find((d) => existsSync(d));
if (!vocabDir) throw new Error('No vocab fixtures: run from packages/gguf-format with ../shared beside the repository');
const only = process.argv[2];
const files = readdirSync(vocabDir)
  .filter((f) => f.endsWith('.gguf') && (!only || f.includes(only)))
  .sort();
console.log(`parseGguf on vocab fixtures: ${RUNS} runs after ${WARMUP} warm-up runs (ms)`);
console.log(
  'file'.padEnd(34),
  'strings'.padStart(8),
  'memory first/med/best'.padStart(24),
  'file first/med/best'.padStart(24),
);
for (const f of files) {
  const path = join(vocabDir, f);
  const bytes = readFileSync(path);
  const probe = await parseGguf(new MemorySource(bytes));
  let strings = 0;
  for (const kv of probe.kv) {
    const v = kv.value;
    if (typeof v === 'object' && 'values' in v && v.values.length > 0 && typeof v.values[0] === 'string') {
      strings += v.values.length;
    }
  }
  const mem = await time(async () => {
    await parseGguf(new MemorySource(bytes));
  });
  const file = await time(async () => {
    const g = await openGgufFile(path);
    await g.source.close?.();
  });
  const fmt = (r: Timing) => `${r.first.toFixed(1)} / ${r.median.toFixed(1)} / ${r.best.toFixed(1)}`.padStart(24);
  console.log(f.padEnd(34), String(strings).padStart(8), fmt(mem), fmt(file));
}

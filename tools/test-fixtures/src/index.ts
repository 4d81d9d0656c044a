/**
 * One place that finds test fixtures. Tests read `../shared/fixtures` (beside the checkout, or where
 * `LLAMATS_SHARED` points) when it exists, else the small subset committed under `fixtures/`, so a clone
 * elsewhere still runs meaningful tests. Tests that need a file neither place has are skipped by name.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared fixtures directory (`../shared/fixtures`), or undefined when it is not there. */
export function sharedFixturesDir(): string | undefined {
  const base = process.env.LLAMATS_SHARED ?? join(repoRoot, '..', 'shared');
  const dir = join(base, 'fixtures');
  return existsSync(dir) ? dir : undefined;
}

/** The committed fixture subset. */
export const committedFixturesDir = join(repoRoot, 'fixtures');

/** The demo model shipped in the repository (the CLI's default model). */
export const demoModelPath = join(repoRoot, 'models', 'stories-demo-Q8_0.gguf');

/** Absolute path of a fixture (`'models/spm4k-Q8_0.gguf'`), preferring the shared copy; undefined if absent. */
export function fixturePath(relative: string): string | undefined {
  if (relative === 'models/stories-demo-Q8_0.gguf' && existsSync(demoModelPath)) return demoModelPath;
  const shared = sharedFixturesDir();
  if (shared && existsSync(join(shared, relative))) return join(shared, relative);
  const local = join(committedFixturesDir, relative);
  return existsSync(local) ? local : undefined;
}

export function hasFixture(relative: string): boolean {
  return fixturePath(relative) !== undefined;
}

/** Like {@link fixturePath} but throws when absent. */
export function requireFixture(relative: string): string {
  const p = fixturePath(relative);
  if (!p) throw new Error(`Fixture ${relative} is neither in ../shared/fixtures nor in fixtures/`);
  return p;
}

export function readFixture(relative: string): Buffer {
  return readFileSync(requireFixture(relative));
}

export function readFixtureJson<T = unknown>(relative: string): T {
  return JSON.parse(readFixture(relative).toString('utf8')) as T;
}

/** Reads a little-endian f32 file. */
export function readF32(relative: string): Float32Array {
  const b = readFixture(relative);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/** Files present in a fixture directory (shared preferred), e.g. `listFixtures('models', '.gguf')`. */
export function listFixtures(dir: string, suffix = ''): string[] {
  const seen = new Set<string>();
  for (const base of [sharedFixturesDir(), committedFixturesDir]) {
    if (!base || !existsSync(join(base, dir))) continue;
    for (const f of readdirSync(join(base, dir))) if (f.endsWith(suffix)) seen.add(f);
  }
  return [...seen].sort();
}

/** rel-RMS(a, b) = sqrt(mean((a-b)^2)) / sqrt(mean(b^2)), the tolerance measure of ../shared/README.md. */
export function relRms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
  }
  return Math.sqrt(num / a.length) / Math.sqrt(den / a.length);
}

/** The model golden file layout (see ../shared/README.md). */
export interface ModelGolden {
  model: string;
  reference: string;
  prompts: Record<
    string,
    {
      text: string;
      add_special: boolean;
      parse_special: boolean;
      tokens: number[];
      positions: { top: [number, number][]; logsumexp: number }[];
      greedy?: number[];
      greedy_margin?: number[];
      exact_vs_llamacpp_rel_rms?: number;
      [k: string]: unknown;
    }
  >;
  perplexity?: { ppl: number; chunks: number[]; [k: string]: unknown };
  [k: string]: unknown;
}

export function readModelGolden(model: string): ModelGolden {
  return readFixtureJson<ModelGolden>(`golden/${model.replace(/\.gguf$/, '')}.json`);
}

export {
  CHROMIUM_FLAGS,
  CHROMIUM_PATH,
  type ChromiumAvailability,
  type EnsureChromiumOptions,
  ensureChromium,
} from './chromium.js';

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeModel } from '@llamats/make-model';
import { describe, expect, it } from 'vitest';
import { peerUnavailable } from '../src/bench.js';
import { runWllama } from '../src/peers/wllama.js';
import { benchPromptFor } from '../src/prompt.js';

// Needs Debian's chromium and the peers' install; `pnpm bench:peers` installs both, unit tests only skip.
const missing = peerUnavailable('wllama', 'wasm');

describe.skipIf(missing !== undefined)('wllama in headless Chromium', () => {
  it('loads a tiny model cross-origin isolated and reports the requested token counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-wllama-'));
    try {
      const made = await makeModel({ shape: 'tiny', type: 'Q4_0', outDir: dir });
      const prompt = await benchPromptFor(made.path, 24);
      const r = await runWllama({ modelPath: made.path, threads: 2, pp: [24], tg: 5, repetitions: 1, ...prompt });
      expect(r.notes).toMatchObject({ crossOriginIsolated: true, multithread: true, threads: 2 });
      // The text prompt tokenized back to as many tokens as the ids it was made from.
      expect(r.pp['24'].map((s) => s.tokens)).toEqual([24]);
      expect(r.tg.map((s) => s.tokens)).toEqual([5]);
      expect(r.tg[0].tps).toBeGreaterThan(0);
      expect(r.errors).toEqual([]);
      expect(r.firstTokenMs).toBeGreaterThan(r.loadMs);
      expect(r.version).toMatch(/^3\.8\.\d+, Chromium/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, hasFixture, readModelGolden } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

const demo = fixturePath('models/stories-demo-Q8_0.gguf');

describe.skipIf(!demo || !hasFixture('prompts/stories-heldout.txt'))('perplexity', () => {
  it('--json on the held-out stories is within 1% of llama-perplexity, chunk by chunk', async () => {
    const golden = readModelGolden('stories-demo-Q8_0').perplexity_stories as {
      ppl: number;
      chunks: number[];
      n_ctx: number;
    };
    const r = await cli([
      'perplexity',
      demo!,
      '-f',
      fixturePath('prompts/stories-heldout.txt')!,
      '--ctx-size',
      String(golden.n_ctx),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ppl: number; chunks: number[] };
    console.log(`perplexity: llamats ${out.ppl.toFixed(4)}, llama.cpp ${golden.ppl}`);
    expect(Math.abs(out.ppl - golden.ppl) / golden.ppl).toBeLessThan(0.01);
    expect(out.chunks).toHaveLength(golden.chunks.length);
    for (const [i, c] of out.chunks.entries())
      expect(Math.abs(c - golden.chunks[i]) / golden.chunks[i]).toBeLessThan(0.01);
  });

  it('prints running values and the final estimate', async () => {
    // Enough text for two windows of 64 tokens.
    const file = join(mkdtempSync(join(tmpdir(), 'llamats-ppl-')), 'text.txt');
    writeFileSync(file, readFileSync(fixturePath('prompts/stories-heldout.txt')!, 'utf8').slice(0, 1200));
    const r = await cli(['perplexity', demo!, '-f', file, '-c', '64']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[1\]\d+\.\d{4},\[2\]\d+\.\d{4},/);
    expect(r.stdout).toMatch(/^Final estimate: PPL = \d+\.\d{4} \(\d+ chunks of 64/);
  });

  it('a text shorter than one window is one error line', async () => {
    const r = await cli(['perplexity', demo!, '-f', fixturePath('prompts/story.txt')!, '-c', '128']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: The text has \d+ tokens; perplexity with nCtx 128 needs at least 128/);
  });
});

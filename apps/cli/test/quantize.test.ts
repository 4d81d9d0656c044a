import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openGgufFile } from '@llamats/gguf-format/node';
import { LlamaModel } from '@llamats/model-llama';
import { ReferenceBackend } from '@llamats/tensor-core';
import { fixturePath, hasFixture, readF32, readModelGolden, relRms } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

const F32 = 'models/spm4k-F32.gguf';
const TYPES = ['Q4_K_M', 'Q8_0', 'Q4_0'] as const;
const ready =
  hasFixture(F32) &&
  hasFixture('golden/spm4k-F32.short.logits.f32') &&
  TYPES.every((t) => hasFixture(`models/spm4k-${t}.gguf`));

/** All logits of the short prompt (`[n_tokens, n_vocab]`), from model-llama's forward pass on the reference backend. */
async function shortPromptLogits(path: string, tokens: number[]): Promise<Float32Array> {
  const gguf = await openGgufFile(path);
  const backend = new ReferenceBackend();
  const model = await LlamaModel.load(gguf, { backend });
  try {
    return await model.createContext({ nCtx: 64, kvType: 'f32' }).evaluate(tokens, { allLogits: true });
  } finally {
    model.dispose();
    backend.dispose();
    await gguf.source.close?.();
  }
}

describe.skipIf(!ready)('quantize', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llamats-quantize-'));

  it.each(TYPES)("%s: logits as close to F32 as those of llama.cpp's file of that type (within 1.1x)", async (type) => {
    const out = join(dir, `spm4k-${type}.gguf`);
    const r = await cli(['quantize', fixturePath(F32)!, out, type, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.type).toBe(type);
    const tokens = readModelGolden('spm4k-F32').prompts.short.tokens;
    const reference = readF32('golden/spm4k-F32.short.logits.f32');
    const ours = relRms(await shortPromptLogits(out, tokens), reference);
    const theirs = relRms(await shortPromptLogits(fixturePath(`models/spm4k-${type}.gguf`)!, tokens), reference);
    console.log(
      `${type}: rel-RMS vs F32 logits: llamats ${ours.toExponential(4)}, llama.cpp ${theirs.toExponential(4)}, ratio ${(ours / theirs).toFixed(4)}`,
    );
    expect(ours).toBeLessThanOrEqual(1.1 * theirs);
    // The per-tensor recipe matches llama-quantize's, so the files agree byte for byte.
    expect(Buffer.compare(readFileSync(out), readFileSync(fixturePath(`models/spm4k-${type}.gguf`)!))).toBe(0);
  });

  it('prints a summary with the tensor types, and uses every thread asked for', async () => {
    const out = join(dir, 'summary.gguf');
    const r = await cli(['quantize', fixturePath(F32)!, out, 'Q4_K', '--threads', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Q4_K_M, 14\.0 MiB -> 2\.29 MiB \(5\.\d\d bits\/weight\) in [\d.]+ s on 2 thread\(s\)/);
    expect(r.stdout).toMatch(/tensor types: Q6_K x3, F32 x5, Q4_K x13/);
  });
});

/** Perplexity of every fixture model on llama.cpp's text, against `llama-perplexity -c 128` (../shared/README.md). */
import { fixturePath, hasFixture, listFixtures, readFixture, readModelGolden } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/index.js';

const text = readFixture('prompts/perplexity4.txt').toString('utf8');

describe('perplexity vs llama-perplexity (wasm backend)', () => {
  for (const file of listFixtures('models', '.gguf')) {
    const golden = hasFixture(`golden/${file.replace('.gguf', '.json')}`) ? readModelGolden(file) : undefined;
    const ref = golden?.perplexity as { ppl: number; n_ctx: number; text: string } | undefined;
    it.skipIf(!ref || ref.text !== 'perplexity4.txt')(file, async () => {
      const model = await loadModel(fixturePath(`models/${file}`)!, { backend: 'wasm', threads: 2 });
      try {
        const r = await model.perplexity(text, { nCtx: ref!.n_ctx });
        const tol = /-(F32|F16|BF16)\./.test(file) ? 1e-3 : 1e-2;
        console.log(
          `${file}: ppl ${r.ppl.toFixed(4)} vs llama.cpp ${ref!.ppl} (${((100 * (r.ppl - ref!.ppl)) / ref!.ppl).toFixed(3)}%)`,
        );
        expect(Math.abs(r.ppl - ref!.ppl) / ref!.ppl).toBeLessThanOrEqual(tol);
      } finally {
        await model.dispose();
      }
    });
  }
});

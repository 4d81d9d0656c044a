import { openGgufFile } from '@llamats/gguf-format/node';
import { type Backend, ReferenceBackend } from '@llamats/tensor-core';
import { fixturePath } from '@llamats/test-fixtures';
import { it } from 'vitest';
import { createTestBackend, ensureSoftwareVulkan, TEST_ADAPTERS } from '../../tensor-core/src/webgpu/testing.js';
import { LlamaModel } from '../src/index.js';

it('decode timing', async () => {
  ensureSoftwareVulkan();
  for (const file of ['stories-demo-Q8_0.gguf', 'spm4k-Q4_K_M.gguf']) {
    for (const [name, make] of [
      ['lavapipe', () => createTestBackend(TEST_ADAPTERS[0])],
      ['swiftshader', () => createTestBackend(TEST_ADAPTERS[1])],
      ['reference', async () => new ReferenceBackend()],
    ] as [string, () => Promise<Backend>][]) {
      const backend = await make();
      const model = await LlamaModel.load(await openGgufFile(fixturePath(`models/${file}`)!), { backend });
      const ctx = model.createContext({ nCtx: 256, nBatch: 64 });
      const prompt = Array.from({ length: 64 }, (_, i) => 1 + ((i * 37) % 500));
      let t0 = performance.now();
      await ctx.evaluate(prompt);
      const pp = performance.now() - t0;
      t0 = performance.now();
      for (let i = 0; i < 32; i++) await ctx.evaluate([1 + ((i * 11) % 500)]);
      const tg = performance.now() - t0;
      console.log(
        `${file} ${name}: prefill 64 tokens ${(64000 / pp).toFixed(1)} tok/s, decode ${(32000 / tg).toFixed(1)} tok/s`,
      );
      model.dispose();
      backend.dispose();
    }
  }
}, 600_000);

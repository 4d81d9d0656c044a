import { ReferenceBackend } from '@llamats/tensor-core';
import { describeGoldenSuite } from './golden-suite.js';

// The reference backend is slow (plain TypeScript, f64 sums): a representative subset of models.
describeGoldenSuite('reference', async () => new ReferenceBackend(), {
  models: ['spm4k-F32.gguf', 'spm4k-Q8_0.gguf', 'spm4k-mqa-Q8_0.gguf', 'spm4k-mha-hd128-F16.gguf', 'bpe-llama3rope-Q8_0.gguf', 'stories-demo-Q8_0.gguf'],
  prompts: ['short', 'mixed', 'story'],
});

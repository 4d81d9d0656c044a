import { ReferenceBackend } from '@llamats/tensor-core';
import { listFixtures } from '@llamats/test-fixtures';
import { describeGoldenSuite } from './golden-suite.js';

// The reference backend is plain TypeScript with f64 sums, so it is slow: every model, but only the prompts
// with full-logit goldens (short, and mixed where present). The fast backends run every prompt.
describeGoldenSuite('reference', async () => new ReferenceBackend(), {
  models: listFixtures('models', '.gguf'),
  prompts: ['short', 'mixed'],
});

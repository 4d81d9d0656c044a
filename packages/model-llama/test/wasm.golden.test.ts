import { createWasmBackend } from '@llamats/tensor-core';
import { listFixtures } from '@llamats/test-fixtures';
import { describeGoldenSuite } from './golden-suite.js';

// The production CPU backend: every fixture model, every prompt, greedy continuations.
describeGoldenSuite('wasm', () => createWasmBackend({ threads: 2 }), {
  models: listFixtures('models', '.gguf'),
});

import { createTestBackend, ensureSoftwareVulkan, TEST_ADAPTERS } from '../../tensor-core/src/webgpu/testing.js';
import { describeGoldenSuite } from './golden-suite.js';

ensureSoftwareVulkan();
const ad = TEST_ADAPTERS[process.env.ADAPTER === 'sws' ? 1 : 0];
describeGoldenSuite('webgpu', () => createTestBackend(ad), {
  models: (process.env.MODELS ?? 'spm4k-Q4_K_M.gguf').split(','),
});

import { createTestBackend, ensureSoftwareVulkan, TEST_ADAPTERS } from '@llamats/tensor-core/webgpu/testing';
import { describe, it } from 'vitest';
import { describeGoldenSuite } from './golden-suite.js';

// The WebGPU backend on a CPU Vulkan driver (lavapipe): the model runs unchanged and is held to the same goldens.
// Software GPUs are slow, so a representative subset runs in CI: K-quant mix, Q8_0 with multi-query attention,
// F16 with head size 128, and Llama 3.1 rope scaling with a BPE vocabulary.
const setup = ensureSoftwareVulkan();
if (setup.ok) {
  describeGoldenSuite('webgpu (lavapipe)', () => createTestBackend(TEST_ADAPTERS[0]), {
    models: [
      'spm4k-Q4_K_M.gguf',
      'spm4k-mqa-Q8_0.gguf',
      'spm4k-mha-hd128-F16.gguf',
      'bpe-llama3rope-Q8_0.gguf',
      'spm4k-tied-Q4_K_M.gguf',
      'spm4k-Q2_K.gguf',
      'spm4k-IQ4_XS.gguf',
      'spm4k-BF16.gguf',
      'spm4k-Q5_1.gguf',
      'stories-demo-Q8_0.gguf',
    ],
    prompts: ['short', 'mixed', 'chat'],
  });
  // SwiftShader has no shader-f16: the f32 fallbacks of every kernel run the whole model (a smaller subset,
  // SwiftShader being the slower driver: a K-quant mix, a 32-value format with multi-query attention, F16
  // weights with head size 128, and the BPE model with Llama 3.1 rope scaling)
  describeGoldenSuite('webgpu (swiftshader)', () => createTestBackend(TEST_ADAPTERS[1]), {
    models: ['spm4k-Q4_K_M.gguf', 'spm4k-mqa-Q8_0.gguf', 'spm4k-mha-hd128-F16.gguf'],
    prompts: ['short', 'chat'],
  });
  describeGoldenSuite('webgpu (swiftshader)', () => createTestBackend(TEST_ADAPTERS[1]), {
    models: ['bpe-llama3rope-Q8_0.gguf'],
    prompts: ['short'],
  });
} else {
  describe('webgpu (lavapipe)', () => {
    it.skip(`software Vulkan unavailable: ${setup.reason}`, () => {});
  });
}

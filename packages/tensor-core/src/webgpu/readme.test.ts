// Runs the example of README.md (on the lavapipe adapter: Node has no navigator.gpu).
import { expect, it, vi } from 'vitest';
import { isWebGpuAvailable, type WebGpuAvailabilityOptions, type WebGpuBackendOptions } from './acquire.js';
import { ensureSoftwareVulkan, TEST_ADAPTERS } from './testing.js';
import { createWebGpuBackend } from './webgpu-backend.js';

// software GPUs on a loaded 2-core machine can be many times slower than usual
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });
const setup = ensureSoftwareVulkan();

it.skipIf(!setup.ok)('README example', async () => {
  const options: WebGpuBackendOptions & WebGpuAvailabilityOptions = {
    dawnFlags: [TEST_ADAPTERS[0].flag],
    allowFallbackAdapter: true, // lavapipe is a software adapter
  };
  let printed: Float32Array | undefined;
  // --- the example, with `options` passed through ---
  if (await isWebGpuAvailable(options)) {
    const backend = await createWebGpuBackend({ powerPreference: 'high-performance', ...options });
    const x = backend.createTensor('x', [1, 4]);
    backend.writeTensor(x, Float32Array.from([1, 2, 3, 4]));
    backend.add(x, x, x, 1);
    printed = await backend.readTensor(x);
    backend.dispose();
  }
  expect(printed).toEqual(Float32Array.from([2, 4, 6, 8]));
});

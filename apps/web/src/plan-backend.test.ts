import { describe, expect, it } from 'vitest';
import { planWebBackend } from './plan-backend.js';

describe('planWebBackend', () => {
  it('prefers WebGPU', () => {
    expect(planWebBackend({ hasWebGpu: true, crossOriginIsolated: false, hardwareConcurrency: 4 }).backend).toBe(
      'webgpu',
    );
  });
  it('uses threads only when the page is cross-origin isolated', () => {
    expect(planWebBackend({ hasWebGpu: false, crossOriginIsolated: true, hardwareConcurrency: 4 })).toMatchObject({
      backend: 'wasm',
      threads: 4,
    });
    const single = planWebBackend({ hasWebGpu: false, crossOriginIsolated: false, hardwareConcurrency: 4 });
    expect(single).toMatchObject({ backend: 'wasm', threads: 1 });
    expect(single.reason).toMatch(/COOP\/COEP/);
  });
});

/**
 * Which backend the web demo's worker uses: WebGPU when the browser has an adapter, else wasm with threads
 * when the page is cross-origin isolated (SharedArrayBuffer available), else single-threaded wasm. The
 * reason is shown to the user, so a missing COOP/COEP header is visible instead of silently slow.
 */
export interface BrowserCapabilities {
  readonly hasWebGpu: boolean;
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
}

export interface WebBackendPlan {
  readonly backend: 'webgpu' | 'wasm';
  readonly threads: number;
  readonly reason: string;
}

export function planWebBackend(caps: BrowserCapabilities): WebBackendPlan {
  if (caps.hasWebGpu) return { backend: 'webgpu', threads: 1, reason: 'WebGPU adapter available' };
  if (caps.crossOriginIsolated) {
    const threads = Math.max(1, Math.min(caps.hardwareConcurrency, 8));
    return { backend: 'wasm', threads, reason: `wasm SIMD with ${threads} threads (page is cross-origin isolated)` };
  }
  return {
    backend: 'wasm',
    threads: 1,
    reason: 'wasm SIMD, 1 thread: the page is not cross-origin isolated (serve it with COOP/COEP headers for threads)',
  };
}

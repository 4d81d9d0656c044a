/**
 * Backend selection: `'auto'` takes WebGPU in a browser that has an adapter, else the wasm CPU backend
 * (in Node, WebGPU is used only when asked for by name).
 */

import type { Backend } from '@llamats/tensor-core';
import * as tensorCore from '@llamats/tensor-core';
import { BackendUnavailableError } from './errors.js';

export type BackendChoice = 'auto' | 'wasm' | 'webgpu' | 'reference';

export interface BackendOptions {
  /** Compute threads for the wasm backend (`'auto'`: all cores). */
  threads?: number | 'auto';
}

type Factory = (options: BackendOptions) => Promise<Backend>;

// Optional exports: each backend registers its factory in tensor-core's index when it exists.
const factories = tensorCore as unknown as {
  createWasmBackend?: Factory;
  createWebGpuBackend?: (options?: object) => Promise<Backend>;
  isWebGpuAvailable?: () => Promise<boolean>;
};

export async function createBackend(
  choice: BackendChoice | Backend = 'auto',
  options: BackendOptions = {},
): Promise<Backend> {
  if (typeof choice === 'object') return choice;
  if (choice === 'reference') return new tensorCore.ReferenceBackend();
  if (choice === 'webgpu') {
    if (!factories.createWebGpuBackend)
      throw new BackendUnavailableError('This build of llamats has no WebGPU backend');
    return factories.createWebGpuBackend();
  }
  if (choice === 'wasm') {
    if (!factories.createWasmBackend) throw new BackendUnavailableError('This build of llamats has no wasm backend');
    return factories.createWasmBackend(options);
  }
  // auto: in Node, probing Dawn prints driver warnings and finds at best a software adapter, so only a
  // browser's WebGPU is tried.
  const inNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (
    !inNode &&
    factories.isWebGpuAvailable &&
    factories.createWebGpuBackend &&
    (await factories.isWebGpuAvailable().catch(() => false))
  ) {
    try {
      return await factories.createWebGpuBackend();
    } catch {
      // fall through to the CPU
    }
  }
  if (factories.createWasmBackend) return factories.createWasmBackend(options);
  return new tensorCore.ReferenceBackend();
}

/** Typed errors of the WebGPU backend; all extend {@link BackendError}. */
import { BackendError } from '../backend.js';

/** No WebGPU implementation or no adapter: the caller should pick another backend (wasm). */
export class WebGpuUnavailableError extends BackendError {
  constructor(readonly reason: string) {
    super(`WebGPU is not available: ${reason}. Use the wasm backend instead.`);
  }
}

/** A buffer could not be allocated: the tensor (or the whole model) does not fit the GPU's memory. */
export class GpuOutOfMemoryError extends BackendError {
  constructor(
    readonly what: string,
    readonly bytes?: number,
    detail?: string,
  ) {
    super(
      `The GPU ran out of memory${bytes === undefined ? '' : ` allocating ${bytes} bytes`} for ${what}` +
        `${detail ? ` (${detail})` : ''}. Use a smaller model, a more compact quantization or a shorter context.`,
    );
  }
}

/** A single allocation exceeds a device limit (`maxBufferSize`, `maxStorageBufferBindingSize`). */
export class GpuLimitError extends BackendError {
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limitName: string,
    readonly limit: number,
  ) {
    super(
      `${what} needs ${bytes} bytes in one GPU buffer, more than this device's ${limitName} (${limit}). ` +
        'Use a shorter context or a smaller batch, or the wasm backend.',
    );
  }
}

/** The device was lost (driver reset, GPU removed, tab in background too long); the backend is unusable. */
export class GpuDeviceLostError extends BackendError {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(
      `The GPU device was lost (${reason}${detail ? `: ${detail}` : ''}). Create a new backend and reload the model.`,
    );
  }
}

/** The GPU reported an error for work this backend submitted (a bug in the backend or the driver). */
export class GpuInternalError extends BackendError {
  constructor(readonly gpuMessage: string) {
    super(`The GPU rejected work from the WebGPU backend: ${gpuMessage}. Please report this with the adapter name.`);
  }
}

/** Reading a tensor's bytes from its source: whole (small tensors) or as a stream of chunks (big ones). */
import type { GgufTensorInfo } from './gguf-file.js';

/** Default chunk size for streaming tensor data: large enough for fast reads, small enough to never matter. */
export const DEFAULT_CHUNK_SIZE = 16 << 20;

export interface StreamTensorOptions {
  /** Bytes per chunk (default 16 MiB). */
  chunkSize?: number;
  signal?: AbortSignal;
}

/** Reads all bytes of a tensor. Prefer {@link streamTensorBytes} for tensors of hundreds of MB. */
export async function readTensorBytes(tensor: GgufTensorInfo, signal?: AbortSignal): Promise<Uint8Array> {
  return tensor.source.read(tensor.offset, tensor.byteLength, signal);
}

/** Yields a tensor's bytes in order, `chunkSize` at a time, so the whole tensor is never in memory at once. */
export async function* streamTensorBytes(
  tensor: GgufTensorInfo,
  options: StreamTensorOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  for (let done = 0; done < tensor.byteLength; ) {
    options.signal?.throwIfAborted();
    const n = Math.min(chunkSize, tensor.byteLength - done);
    yield await tensor.source.read(tensor.offset + done, n, options.signal);
    done += n;
  }
}

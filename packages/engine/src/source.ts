/** Turns whatever a caller hands us (a path, URL, Blob, bytes, ByteSource) into a ByteSource. */
import { type ByteSource, toByteSource, UrlSource } from '@llamats/gguf-format';

export type ModelInput = string | URL | Blob | ArrayBuffer | ArrayBufferView | ByteSource;

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

/** Opens a model input. Strings are URLs when they start with http(s)://, else file paths (Node only). */
export async function openSource(input: ModelInput, signal?: AbortSignal): Promise<ByteSource> {
  if (input instanceof URL || (typeof input === 'string' && /^https?:\/\//i.test(input))) {
    return UrlSource.open(input, { signal });
  }
  if (typeof input === 'string') {
    if (!isNode()) throw new TypeError('File paths can only be opened in Node; pass a File, Blob or URL in a browser');
    const node = await import('@llamats/gguf-format/node');
    return node.FileSource.open(input);
  }
  return toByteSource(input);
}

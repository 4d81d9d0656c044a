/**
 * Where GGUF bytes come from. Every reader in llamats goes through this one interface, so a model can be
 * loaded from a path, a browser File, an HTTP URL or memory with the same code, reading only the bytes needed.
 */
import { ByteSourceError } from './errors.js';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A human-readable name (file name, URL) for messages. */
  readonly name: string;
  /**
   * Reads exactly `length` bytes at `offset`. Implementations reject with {@link ByteSourceError} when
   * the range lies outside the source. The returned array may be a view into a larger buffer.
   */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Optional: reads `target.byteLength` bytes at `offset` into `target`, allocating nothing. Loaders that
   * stream gigabytes use it with one reused buffer (a fresh buffer per chunk costs page faults and GC).
   */
  readInto?(offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Releases OS resources (file handles). Safe to call twice. */
  close?(): Promise<void>;
}

export function checkRange(source: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ByteSourceError(`Invalid read of ${length} bytes at ${offset} from ${source.name}`);
  }
  if (offset + length > source.size) {
    throw new ByteSourceError(
      `Read of ${length} bytes at ${offset} goes past the end of ${source.name} (${source.size} bytes)`,
    );
  }
}

/** A source over bytes already in memory. */
export class MemorySource implements ByteSource {
  readonly size: number;
  readonly name: string;
  private readonly bytes: Uint8Array;
  constructor(data: ArrayBuffer | ArrayBufferView, name = 'memory') {
    this.bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
    this.size = this.bytes.byteLength;
    this.name = name;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
  async readInto(offset: number, target: Uint8Array): Promise<void> {
    checkRange(this, offset, target.byteLength);
    target.set(this.bytes.subarray(offset, offset + target.byteLength));
  }
}

/** A source over a browser `Blob`/`File` (also works with Node's `Blob`). */
export class BlobSource implements ByteSource {
  readonly size: number;
  readonly name: string;
  constructor(private readonly blob: Blob) {
    this.size = blob.size;
    this.name = (blob as { name?: string }).name ?? 'blob';
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this, offset, length);
    signal?.throwIfAborted();
    const buf = await this.blob.slice(offset, offset + length).arrayBuffer();
    return new Uint8Array(buf);
  }
}

export interface UrlSourceOptions {
  /** Extra request headers (authorization...). */
  headers?: Record<string, string>;
  /** The fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/**
 * A source over an HTTP(S) URL read with Range requests. {@link UrlSource.open} asks for the first byte
 * to learn the size and to check that the server honours Range; a server that ignores Range
 * (answers 200 with the whole body) is rejected with a clear error instead of downloading gigabytes.
 */
export class UrlSource implements ByteSource {
  private constructor(
    readonly url: string,
    readonly size: number,
    private readonly options: UrlSourceOptions,
  ) {}

  get name(): string {
    return this.url;
  }

  static async open(url: string | URL, options: UrlSourceOptions = {}): Promise<UrlSource> {
    const href = String(url);
    const f = options.fetch ?? fetch;
    let res: Response;
    try {
      res = await f(href, { headers: { ...options.headers, Range: 'bytes=0-0' }, signal: options.signal });
    } catch (cause) {
      throw new ByteSourceError(`Could not reach ${href}: ${(cause as Error).message}`, { cause });
    }
    if (res.status === 200) {
      await res.body?.cancel();
      throw new ByteSourceError(
        `The server for ${href} ignores HTTP Range requests (it answered 200 instead of 206), so the model cannot ` +
          'be read in parts. Download the file and open it from disk, or serve it from a server that supports Range.',
      );
    }
    if (res.status !== 206) {
      await res.body?.cancel();
      throw new ByteSourceError(`HTTP ${res.status} ${res.statusText} for ${href}`);
    }
    const range = res.headers.get('content-range') ?? '';
    await res.arrayBuffer();
    const m = /\/(\d+)\s*$/.exec(range);
    if (!m) {
      throw new ByteSourceError(`The server for ${href} sent no total size in Content-Range ("${range}")`);
    }
    return new UrlSource(href, Number(m[1]), options);
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this, offset, length);
    if (length === 0) return new Uint8Array(0);
    const f = this.options.fetch ?? fetch;
    const res = await f(this.url, {
      headers: { ...this.options.headers, Range: `bytes=${offset}-${offset + length - 1}` },
      signal: signal ?? this.options.signal,
    });
    if (res.status !== 206) {
      await res.body?.cancel();
      throw new ByteSourceError(
        res.status === 200
          ? `The server for ${this.url} stopped honouring HTTP Range requests (200 instead of 206 for bytes ` +
              `${offset}-${offset + length - 1}). Download the file and open it from disk.`
          : `HTTP ${res.status} ${res.statusText} reading bytes ${offset}-${offset + length - 1} of ${this.url}`,
      );
    }
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.byteLength !== length) {
      throw new ByteSourceError(`Expected ${length} bytes from ${this.url} at ${offset}, got ${buf.byteLength}`);
    }
    return buf;
  }
}

/** Wraps anything a caller may hand us into a {@link ByteSource} (not paths: see `@llamats/gguf-format/node`). */
export function toByteSource(input: ByteSource | ArrayBuffer | ArrayBufferView | Blob): ByteSource {
  if (typeof (input as ByteSource).read === 'function' && typeof (input as ByteSource).size === 'number') {
    return input as ByteSource;
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new BlobSource(input);
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) return new MemorySource(input);
  throw new TypeError('Expected a ByteSource, ArrayBuffer, typed array or Blob');
}

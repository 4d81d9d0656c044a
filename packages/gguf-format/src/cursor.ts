/**
 * A forward-only reader over a {@link ByteSource} that keeps a window of bytes in memory and refills it on
 * demand, so the header and directory of a multi-GB file are parsed with a few large reads.
 * Callers check `has(n)` synchronously and `await fill(n)` only when the window runs dry: the common case
 * (the bytes are already in the window) never awaits.
 */
import type { ByteSource } from './byte-source.js';
import { GgufLimitError, GgufMetadataError, GgufTruncatedError } from './errors.js';
import { decodeUtf8 } from './utf8.js';

/** A name for messages, computed only when an error needs it. */
export type Describe = string | (() => string);
const describe = (what: Describe): string => (typeof what === 'string' ? what : what());

/** Bytes asked of the source per refill. */
const WINDOW = 1 << 20;

export class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.buf.buffer);
  /** File offset of buf[0]. */
  private base = 0;
  /** Position inside buf. */
  private pos = 0;

  constructor(
    readonly source: ByteSource,
    offset = 0,
    private readonly signal?: AbortSignal,
  ) {
    this.base = offset;
  }

  /** Current absolute file offset. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes between the current offset and the end of the source. */
  get remaining(): number {
    return this.source.size - this.offset;
  }

  /** True when the window holds `n` more bytes at the current position. */
  has(n: number): boolean {
    return this.pos + n <= this.buf.byteLength;
  }

  /** Makes at least `n` bytes available at the current position, or throws a truncation error naming `what`. */
  async fill(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    const offset = this.offset;
    if (n > this.source.size - offset) throw new GgufTruncatedError(what, offset, n, this.source.size);
    this.signal?.throwIfAborted();
    const length = Math.min(Math.max(n, WINDOW), this.source.size - offset);
    const chunk = await this.source.read(offset, length, this.signal);
    this.buf = chunk;
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.base = offset;
    this.pos = 0;
  }

  u8(): number {
    return this.buf[this.pos++];
  }
  i8(): number {
    return this.view.getInt8(this.pos++);
  }
  u16(): number {
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i16(): number {
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /**
   * A u64 count, length or offset as a JS number. Values above 2^53 lose precision but stay larger than
   * any real file, so the caller's bounds checks still reject them.
   */
  u64Number(): number {
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  /** `n` raw bytes, copied out of the window (the copy owns an aligned buffer). Caller ensured availability. */
  bytes(n: number): Uint8Array {
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    this.pos += n;
  }

  /**
   * Reads a GGUF string (u64 length + UTF-8 bytes) when the window holds all of it; returns undefined,
   * without moving, when it does not (the caller then awaits {@link readString}). `what` names the
   * string in errors.
   */
  tryString(what: Describe): string | undefined {
    if (!this.has(8)) return undefined;
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    const len = hi * 0x1_0000_0000 + lo;
    if (!this.has(8 + len)) {
      if (len > this.remaining - 8) {
        throw new GgufLimitError(
          `${describe(what)} claims ${len} bytes but only ${Math.max(0, this.remaining - 8)} remain in the file`,
          this.offset,
        );
      }
      return undefined;
    }
    const start = this.pos + 8;
    const s = decodeUtf8(this.buf, start, start + len);
    if (s === undefined) {
      throw new GgufMetadataError(`${describe(what)} is not valid UTF-8: the file is corrupt`, this.offset + 8);
    }
    this.pos = start + len;
    return s;
  }

  /** Reads a GGUF string, refilling the window as needed. */
  async readString(what: Describe): Promise<string> {
    const fast = this.tryString(what);
    if (fast !== undefined) return fast;
    await this.fill(8, `the length of ${describe(what)}`);
    const at = this.offset;
    const len = this.u64Number();
    if (len > this.remaining) {
      throw new GgufLimitError(
        `${describe(what)} claims ${len} bytes but only ${this.remaining} remain in the file`,
        at,
      );
    }
    await this.fill(len, describe(what));
    const s = decodeUtf8(this.buf, this.pos, this.pos + len);
    if (s === undefined)
      throw new GgufMetadataError(`${describe(what)} is not valid UTF-8: the file is corrupt`, at + 8);
    this.pos += len;
    return s;
  }
}

/**
 * A forward-only reader over a {@link ByteSource} that keeps a window of bytes in memory and refills it on
 * demand, so the header and directory of a multi-GB file are parsed with a few large reads.
 * Callers check `has(n)` synchronously and `await fill(n)` only when the window runs dry.
 */
import type { ByteSource } from './byte-source.js';
import { GgufTruncatedError } from './errors.js';

const WINDOW = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class Cursor {
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  /** File offset of buf[0]. */
  private base = 0;
  /** Position inside buf. */
  private pos = 0;

  constructor(
    readonly source: ByteSource,
    offset = 0,
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

  has(n: number): boolean {
    return this.pos + n <= this.buf.byteLength;
  }

  /** Makes at least `n` bytes available at the current position, or throws a truncation error naming `what`. */
  async fill(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    const offset = this.offset;
    if (offset + n > this.source.size) throw new GgufTruncatedError(what, offset, n, this.source.size);
    const length = Math.min(Math.max(n, WINDOW), this.source.size - offset);
    const chunk = await this.source.read(offset, length);
    this.buf = chunk;
    this.view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.base = offset;
    this.pos = 0;
  }

  async need(n: number, what: string): Promise<void> {
    if (!this.has(n)) await this.fill(n, what);
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
  /** A u64 that must fit a JS number (counts, lengths, offsets). */
  u64Number(): number {
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  /** `n` raw bytes, copied out of the window. Caller has ensured availability. */
  bytes(n: number): Uint8Array {
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Decodes `n` bytes of UTF-8; returns undefined when they are not valid UTF-8. */
  utf8(n: number): string | undefined {
    const start = this.pos;
    this.pos += n;
    const b = this.buf;
    // ASCII fast path: most vocabulary entries and keys are short ASCII strings.
    if (n < 64) {
      let ascii = true;
      for (let i = start; i < start + n; i++) {
        if (b[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, b.subarray(start, start + n) as unknown as number[]);
    }
    try {
      return utf8.decode(b.subarray(start, start + n));
    } catch {
      return undefined;
    }
  }

  skip(n: number): void {
    this.pos += n;
  }
}

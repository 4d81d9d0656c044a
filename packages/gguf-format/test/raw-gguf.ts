/**
 * Test helpers that build and read GGUF bytes by hand, independently of the package's reader and writer,
 * so the tests can cross-check them and craft broken files.
 */

/** Appends little-endian fields; `build()` returns the bytes. */
export class RawGguf {
  private parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  u64(v: number | bigint): this {
    let b = BigInt(v);
    for (let i = 0; i < 8; i++) {
      this.parts.push(Number(b & 0xffn));
      b >>= 8n;
    }
    return this;
  }
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.parts.push(...b);
    return this;
  }
  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]);
    return this;
  }
  /** A GGUF string (u64 length + bytes); `bytes` may be invalid UTF-8 on purpose. */
  str(s: string | ArrayLike<number>): this {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    return this.u64(b.length).bytes(b);
  }
  header(tensors: number, kvs: number, version = 3): this {
    return this.bytes([0x47, 0x47, 0x55, 0x46]).u32(version).u64(tensors).u64(kvs);
  }
  /** A tensor info: name, dims, type, relative offset. */
  tensor(name: string, shape: number[], type: number, offset: number): this {
    this.str(name).u32(shape.length);
    for (const n of shape) this.u64(n);
    return this.u32(type).u64(offset);
  }
  padTo(alignment: number): this {
    while (this.parts.length % alignment !== 0) this.parts.push(0);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface RawTensorInfo {
  name: string;
  shape: number[];
  type: number;
  relativeOffset: number;
}

/** A minimal synchronous GGUF directory reader written from the spec, to cross-check the real one. */
export function readDirectoryByHand(buf: Uint8Array): {
  version: number;
  keys: string[];
  tensors: RawTensorInfo[];
  alignment: number;
  dataOffset: number;
} {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 4;
  const u32 = () => {
    const v = dv.getUint32(p, true);
    p += 4;
    return v;
  };
  const u64 = () => {
    const v = Number(dv.getBigUint64(p, true));
    p += 8;
    return v;
  };
  const str = () => {
    const n = u64();
    const s = new TextDecoder().decode(buf.subarray(p, p + n));
    p += n;
    return s;
  };
  const fixed: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  let alignment = 32;
  const skip = (type: number): unknown => {
    if (type === 8) return str();
    if (type === 9) {
      const item = u32();
      const n = u64();
      for (let i = 0; i < n; i++) skip(item);
      return undefined;
    }
    const v = type === 4 ? dv.getUint32(p, true) : undefined;
    p += fixed[type];
    return v;
  };
  const version = u32();
  const nTensors = u64();
  const nKv = u64();
  const keys: string[] = [];
  for (let i = 0; i < nKv; i++) {
    const key = str();
    keys.push(key);
    const v = skip(u32());
    if (key === 'general.alignment') alignment = v as number;
  }
  const tensors: RawTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nd = u32();
    const shape: number[] = [];
    for (let d = 0; d < nd; d++) shape.push(u64());
    tensors.push({ name, shape, type: u32(), relativeOffset: u64() });
  }
  return { version, keys, tensors, alignment, dataOffset: Math.ceil(p / alignment) * alignment };
}

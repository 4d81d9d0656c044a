/**
 * Writes GGUF files: metadata with each value's exact type, the tensor directory, and tensor data streamed
 * tensor by tensor (an async iterable or a callback per tensor), so a multi-GB model never sits in memory
 * whole. The layout is llama.cpp's: header, kv pairs, tensor infos, zero padding to the alignment, then
 * each tensor's bytes followed by zero padding to the alignment. Copying a llama.cpp-written file through
 * {@link writeSpecFromGguf} reproduces it byte for byte.
 */
import { ByteWriter } from './byte-writer.js';
import { GgufWriteError } from './errors.js';
import { type GgmlType, ggmlTypeInfo, isKnownGgmlType } from './ggml-types.js';
import type { GgufFile } from './gguf-file.js';
import {
  GGUF_VALUE_SIZE,
  type GgufArray,
  type GgufKV,
  type GgufValue,
  GgufValueType,
  isGgufArray,
} from './metadata.js';
import { alignUp, GGML_MAX_DIMS, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_SUPPORTED_VERSIONS } from './reader.js';
import { streamTensorBytes } from './tensor-data.js';

/** Tensor bytes: all at once, or chunk by chunk in order. */
export type TensorBytes = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
/** Tensor bytes, or a callback that produces them when the writer reaches that tensor (so nothing is read early). */
export type TensorData = TensorBytes | ((signal?: AbortSignal) => TensorBytes | Promise<TensorBytes>);

export interface GgufTensorSpec {
  readonly name: string;
  /** ggml order: `shape[0]` is the row length. */
  readonly shape: readonly number[];
  readonly type: GgmlType;
  readonly data: TensorData;
}

export interface GgufWriteSpec {
  /** GGUF version to write (2 or 3; default 3). Both share one layout. */
  readonly version?: number;
  /** Metadata in the order to write; each value is written with its `type` (and array item type). */
  readonly kv: readonly GgufKV[];
  /** Tensors in the order to write; their data offsets follow from that order. */
  readonly tensors: readonly GgufTensorSpec[];
  /**
   * Without tensors, whether to pad the file to the alignment anyway. Writers differ (gguf-py leaves
   * vocab-only files unpadded, other tools pad them); default false.
   */
  readonly padEmpty?: boolean;
}

export interface GgufLayoutTensor {
  readonly name: string;
  /** Offset inside the data section, as written in the tensor info. */
  readonly relativeOffset: number;
  readonly byteLength: number;
}

export interface GgufLayout {
  readonly alignment: number;
  /** Header, metadata, tensor infos and the padding up to the data section (no padding when there are no tensors). */
  readonly header: Uint8Array;
  /** Absolute offset of the data section (= header.byteLength when there are tensors). */
  readonly dataOffset: number;
  readonly tensors: readonly GgufLayoutTensor[];
  /** Size of the whole file. */
  readonly totalSize: number;
}

/** Where written bytes go. A sink must be done with a chunk when `write` returns (or its promise settles). */
export interface GgufSink {
  write(chunk: Uint8Array): void | Promise<void>;
}

export interface GgufWriteProgress {
  readonly bytesWritten: number;
  readonly totalBytes: number;
  /** The tensor being written, if any. */
  readonly tensor?: string;
}

export interface GgufWriteOptions {
  signal?: AbortSignal;
  onProgress?: (progress: GgufWriteProgress) => void;
}

/** llama.cpp keeps tensor names in a 64-byte buffer including the terminating NUL. */
export const GGML_MAX_NAME = 64;

/**
 * Checks a spec and encodes everything before the tensor data. Throws {@link GgufWriteError} for anything
 * llama.cpp could not read back (duplicate names, a value that does not fit its type, a bad shape...).
 */
export function layoutGguf(spec: GgufWriteSpec): GgufLayout {
  const version = spec.version ?? 3;
  if (!GGUF_SUPPORTED_VERSIONS.includes(version)) {
    throw new GgufWriteError(`Cannot write GGUF version ${version}; choose ${GGUF_SUPPORTED_VERSIONS.join(' or ')}`);
  }
  const alignment = alignmentFromKv(spec.kv);
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(version);
  w.u64Number(spec.tensors.length);
  w.u64Number(spec.kv.length);

  const keys = new Set<string>();
  for (const entry of spec.kv) {
    checkName(entry.key, 'metadata key');
    if (keys.has(entry.key)) throw new GgufWriteError(`Duplicate metadata key "${entry.key}"`);
    keys.add(entry.key);
    w.string(entry.key);
    w.u32(entry.type);
    writeValue(w, entry.type, entry.value, entry.key, 0);
  }

  const names = new Set<string>();
  const tensors: GgufLayoutTensor[] = [];
  let relativeOffset = 0;
  for (const t of spec.tensors) {
    checkName(t.name, 'tensor name');
    if (names.has(t.name)) throw new GgufWriteError(`Duplicate tensor name "${t.name}"`);
    names.add(t.name);
    const byteLength = tensorByteLength(t);
    w.string(t.name);
    w.u32(t.shape.length);
    for (const n of t.shape) w.u64Number(n);
    w.u32(t.type);
    w.u64Number(relativeOffset);
    tensors.push({ name: t.name, relativeOffset, byteLength });
    relativeOffset += alignUp(byteLength, alignment);
  }
  const dataOffset = alignUp(w.length, alignment);
  // A file without tensors ends right after its metadata unless asked otherwise (see `padEmpty`).
  const pad = tensors.length > 0 || spec.padEmpty === true;
  if (pad) w.zeros(dataOffset - w.length);
  const header = w.finish();
  return { alignment, header, dataOffset, tensors, totalSize: pad ? dataOffset + relativeOffset : header.byteLength };
}

/**
 * Writes a GGUF file to `sink`: the header first, then each tensor's data as its source yields it.
 * Each tensor must deliver exactly the bytes its shape and type call for.
 */
export async function writeGguf(
  spec: GgufWriteSpec,
  sink: GgufSink,
  options: GgufWriteOptions = {},
): Promise<GgufLayout> {
  const layout = layoutGguf(spec);
  const { signal, onProgress } = options;
  let written = 0;
  const put = async (chunk: Uint8Array, tensor?: string) => {
    signal?.throwIfAborted();
    if (chunk.byteLength === 0) return;
    await sink.write(chunk);
    written += chunk.byteLength;
    onProgress?.({ bytesWritten: written, totalBytes: layout.totalSize, tensor });
  };
  await put(layout.header);
  for (let i = 0; i < spec.tensors.length; i++) {
    const t = spec.tensors[i];
    const expected = layout.tensors[i].byteLength;
    let got = 0;
    for await (const chunk of chunksOf(t.data, signal)) {
      if (!(chunk instanceof Uint8Array)) {
        throw new GgufWriteError(`Tensor "${t.name}" data yielded something other than a Uint8Array`);
      }
      got += chunk.byteLength;
      if (got > expected) {
        throw new GgufWriteError(
          `Tensor "${t.name}" data is longer than its shape [${t.shape.join(', ')}] of ` +
            `${ggmlTypeInfo(t.type).name} allows (${expected} bytes)`,
        );
      }
      await put(chunk, t.name);
    }
    if (got !== expected) {
      throw new GgufWriteError(
        `Tensor "${t.name}" data has ${got} bytes but shape [${t.shape.join(', ')}] of ` +
          `${ggmlTypeInfo(t.type).name} needs ${expected}`,
      );
    }
    await put(new Uint8Array(alignUp(expected, layout.alignment) - expected), t.name);
  }
  return layout;
}

/** Writes a GGUF file into one buffer (for small files and tests; use a file sink for models). */
export async function writeGgufToBuffer(spec: GgufWriteSpec, options: GgufWriteOptions = {}): Promise<Uint8Array> {
  const out = new Uint8Array(layoutGguf(spec).totalSize);
  let pos = 0;
  await writeGguf(
    spec,
    {
      write(chunk) {
        out.set(chunk, pos);
        pos += chunk.byteLength;
      },
    },
    options,
  );
  return out;
}

/**
 * A write spec that copies a parsed file: its metadata as stored (exact types, same order) and its
 * tensors in file order, each streamed from its source in chunks when the writer reaches it.
 */
export function writeSpecFromGguf(gguf: GgufFile, options: { chunkSize?: number } = {}): GgufWriteSpec {
  return {
    version: gguf.version,
    kv: gguf.kv,
    // A tensor-less file that reaches the aligned data offset was padded by its writer.
    padEmpty: gguf.tensors.length === 0 && gguf.source.size >= gguf.dataOffset,
    // Directory order (for a split model, part by part); llama.cpp writes data in that order too.
    tensors: gguf.tensors.map((t) => ({
      name: t.name,
      shape: t.shape,
      type: t.type,
      data: (signal?: AbortSignal) => streamTensorBytes(t, { chunkSize: options.chunkSize, signal }),
    })),
  };
}

async function* chunksOf(data: TensorData, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === 'function' ? await data(signal) : data;
  if (bytes instanceof Uint8Array) {
    yield bytes;
    return;
  }
  yield* bytes as AsyncIterable<Uint8Array>;
}

function tensorByteLength(t: GgufTensorSpec): number {
  if (!isKnownGgmlType(t.type)) throw new GgufWriteError(`Tensor "${t.name}" has unknown ggml type id ${t.type}`);
  const info = ggmlTypeInfo(t.type);
  if (t.shape.length < 1 || t.shape.length > GGML_MAX_DIMS) {
    throw new GgufWriteError(`Tensor "${t.name}" has ${t.shape.length} dimensions; ggml allows 1 to ${GGML_MAX_DIMS}`);
  }
  let elements = 1;
  for (const n of t.shape) {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new GgufWriteError(`Tensor "${t.name}" has invalid dimension ${n} in shape [${t.shape.join(', ')}]`);
    }
    elements *= n;
  }
  if (!Number.isSafeInteger(elements)) throw new GgufWriteError(`Tensor "${t.name}" is too large`);
  if (t.shape[0] % info.blockSize !== 0) {
    throw new GgufWriteError(
      `Tensor "${t.name}" has rows of ${t.shape[0]} values, not a multiple of the ${info.name} block size ${info.blockSize}`,
    );
  }
  return (elements / info.blockSize) * info.bytesPerBlock;
}

const LONE_SURROGATE = /\p{Cs}/u;
const utf8Length = (s: string) => new TextEncoder().encode(s).byteLength;

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new GgufWriteError(`A ${what} must be a non-empty string`);
  if (LONE_SURROGATE.test(name)) throw new GgufWriteError(`The ${what} ${JSON.stringify(name)} is not valid Unicode`);
  if (what === 'tensor name' && utf8Length(name) >= GGML_MAX_NAME) {
    throw new GgufWriteError(
      `Tensor name "${name}" is ${utf8Length(name)} bytes; llama.cpp allows at most ${GGML_MAX_NAME - 1}`,
    );
  }
}

function alignmentFromKv(kv: readonly GgufKV[]): number {
  const entry = kv.find((e) => e.key === 'general.alignment');
  if (!entry) return GGUF_DEFAULT_ALIGNMENT;
  const a = entry.value;
  if (entry.type !== GgufValueType.UINT32 || typeof a !== 'number' || a <= 0 || (a & (a - 1)) !== 0) {
    throw new GgufWriteError(`general.alignment must be a UINT32 power of two, got ${String(a)}`);
  }
  return a;
}

/** Integer ranges of the fixed-size integer types (64-bit ones are bigint and checked apart). */
const INT_RANGE: Partial<Record<GgufValueType, readonly [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffff_ffff],
  [GgufValueType.INT32]: [-0x8000_0000, 0x7fff_ffff],
};
const BIGINT_RANGE: Partial<Record<GgufValueType, readonly [bigint, bigint]>> = {
  [GgufValueType.UINT64]: [0n, 0xffff_ffff_ffff_ffffn],
  [GgufValueType.INT64]: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
};

type ScalarWriter = (w: ByteWriter, v: number | bigint | boolean) => void;
const SCALAR_WRITERS: Partial<Record<GgufValueType, ScalarWriter>> = {
  [GgufValueType.UINT8]: (w, v) => w.u8(v as number),
  [GgufValueType.INT8]: (w, v) => w.i8(v as number),
  [GgufValueType.UINT16]: (w, v) => w.u16(v as number),
  [GgufValueType.INT16]: (w, v) => w.i16(v as number),
  [GgufValueType.UINT32]: (w, v) => w.u32(v as number),
  [GgufValueType.INT32]: (w, v) => w.i32(v as number),
  [GgufValueType.FLOAT32]: (w, v) => w.f32(v as number),
  [GgufValueType.FLOAT64]: (w, v) => w.f64(v as number),
  [GgufValueType.BOOL]: (w, v) => w.u8(v ? 1 : 0),
  [GgufValueType.UINT64]: (w, v) => w.u64(BigInt(v as bigint | number)),
  [GgufValueType.INT64]: (w, v) => w.i64(BigInt(v as bigint | number)),
};

/** Typed array classes whose bytes can be copied as they are for an array of that item type. */
const TYPED_FOR: Partial<Record<GgufValueType, { prototype: ArrayBufferView }>> = {
  [GgufValueType.UINT8]: Uint8Array,
  [GgufValueType.INT8]: Int8Array,
  [GgufValueType.UINT16]: Uint16Array,
  [GgufValueType.INT16]: Int16Array,
  [GgufValueType.UINT32]: Uint32Array,
  [GgufValueType.INT32]: Int32Array,
  [GgufValueType.FLOAT32]: Float32Array,
  [GgufValueType.FLOAT64]: Float64Array,
  [GgufValueType.UINT64]: BigUint64Array,
  [GgufValueType.INT64]: BigInt64Array,
};

function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'object' && v !== null) return 'an object';
  return `${typeof v} ${String(v)}`;
}

function checkScalar(type: GgufValueType, v: unknown, key: string): void {
  const bad = (why: string) =>
    new GgufWriteError(`Metadata "${key}" of type ${GgufValueType[type]} cannot hold ${describeValue(v)}: ${why}`);
  const intRange = INT_RANGE[type];
  if (intRange) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('expected an integer number');
    if (v < intRange[0] || v > intRange[1]) throw bad(`out of range ${intRange[0]}..${intRange[1]}`);
    return;
  }
  const bigRange = BIGINT_RANGE[type];
  if (bigRange) {
    if (typeof v === 'number' && Number.isSafeInteger(v)) v = BigInt(v);
    if (typeof v !== 'bigint') throw bad('expected a bigint (or a safe integer number)');
    if (v < bigRange[0] || v > bigRange[1]) throw bad('out of 64-bit range');
    return;
  }
  if (type === GgufValueType.FLOAT32 || type === GgufValueType.FLOAT64) {
    if (typeof v !== 'number') throw bad('expected a number');
    return;
  }
  if (type === GgufValueType.BOOL) {
    if (typeof v !== 'boolean') throw bad('expected a boolean');
    return;
  }
  throw new GgufWriteError(`Metadata "${key}" has unknown value type ${type}`);
}

const MAX_ARRAY_DEPTH = 8;

function writeValue(w: ByteWriter, type: GgufValueType, v: GgufValue, key: string, depth: number): void {
  if (type === GgufValueType.STRING) {
    if (typeof v !== 'string')
      throw new GgufWriteError(`Metadata "${key}" of type STRING cannot hold ${describeValue(v)}`);
    if (LONE_SURROGATE.test(v)) throw new GgufWriteError(`Metadata "${key}" holds a string that is not valid Unicode`);
    w.string(v);
    return;
  }
  if (type === GgufValueType.ARRAY) {
    if (!isGgufArray(v)) throw new GgufWriteError(`Metadata "${key}" of type ARRAY cannot hold ${describeValue(v)}`);
    writeArray(w, v, key, depth);
    return;
  }
  if (!Object.hasOwn(GGUF_VALUE_SIZE, type))
    throw new GgufWriteError(`Metadata "${key}" has unknown value type ${type}`);
  checkScalar(type, v, key);
  SCALAR_WRITERS[type]!(w, v as number | bigint | boolean);
}

function writeArray(w: ByteWriter, a: GgufArray, key: string, depth: number): void {
  if (depth >= MAX_ARRAY_DEPTH)
    throw new GgufWriteError(`Metadata "${key}" nests arrays more than ${MAX_ARRAY_DEPTH} deep`);
  const { itemType, values } = a;
  if (!Object.hasOwn(GGUF_VALUE_SIZE, itemType)) {
    throw new GgufWriteError(`Metadata "${key}" has unknown array item type ${itemType}`);
  }
  w.u32(itemType);
  w.u64Number(values.length);
  const Typed = TYPED_FOR[itemType];
  if (Typed && values instanceof (Typed as unknown as new () => ArrayBufferView)) {
    // Same element type and size: the in-memory bytes are the file bytes (little-endian hosts, like ggml).
    const view = values as ArrayBufferView;
    w.bytes(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return;
  }
  const write = SCALAR_WRITERS[itemType];
  for (let i = 0; i < values.length; i++) {
    const item = values[i] as GgufValue;
    if (write) {
      checkScalar(itemType, item, `${key}[${i}]`);
      write(w, item as number | bigint | boolean);
    } else {
      writeValue(w, itemType, item, `${key}[${i}]`, depth + 1);
    }
  }
}

/**
 * Parses the GGUF header, metadata and tensor directory from a {@link ByteSource}, reading only those bytes.
 * Every count and length is checked against the bytes left in the file before anything is allocated from it,
 * so a corrupt or hostile file gives a {@link GgufError} naming the byte offset, never a huge allocation.
 */
import type { ByteSource } from './byte-source.js';
import { Cursor } from './cursor.js';
import { GgufLimitError, GgufMagicError, GgufMetadataError, GgufTensorError, GgufVersionError } from './errors.js';
import { type GgmlType, ggmlTypeInfo } from './ggml-types.js';
import { createGgufFile, type GgufFile, type GgufTensorInfo } from './gguf-file.js';
import { GGUF_VALUE_SIZE, type GgufArray, type GgufKV, type GgufValue, GgufValueType } from './metadata.js';

export type { GgufFile, GgufTensorInfo } from './gguf-file.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGML_MAX_DIMS = 4;
/** Versions this reader accepts. Version 1 (2023) used 32-bit counts and is long gone. */
export const GGUF_SUPPORTED_VERSIONS: readonly number[] = [2, 3];
const MAX_ARRAY_DEPTH = 8;
/** Smallest possible kv: 8-byte key length, 4-byte type, 1 value byte. */
const MIN_KV_BYTES = 13;
/** Smallest possible tensor info: name length 8, n_dims 4, one dimension 8, type 4, offset 8. */
const MIN_TENSOR_INFO_BYTES = 32;

export interface ParseOptions {
  /** Skip checks that tensor data lies inside the file (for header-only/truncated downloads). Default false. */
  allowMissingData?: boolean;
  signal?: AbortSignal;
}

/** Parses a GGUF file (header, metadata, tensor directory). Tensor data is not read. */
export async function parseGguf(source: ByteSource, options: ParseOptions = {}): Promise<GgufFile> {
  const c = new Cursor(source, 0, options.signal);
  const version = await readHeader(c);

  if (!c.has(16)) await c.fill(16, 'the tensor and metadata counts');
  const tensorCount = c.u64Number();
  const kvCount = c.u64Number();
  if (kvCount * MIN_KV_BYTES > c.remaining) {
    throw new GgufLimitError(
      `Metadata count ${kvCount} is impossible for a file of ${source.size} bytes: the header is corrupt`,
      16,
    );
  }
  if (tensorCount * MIN_TENSOR_INFO_BYTES > c.remaining) {
    throw new GgufLimitError(
      `Tensor count ${tensorCount} is impossible for a file of ${source.size} bytes: the header is corrupt`,
      8,
    );
  }

  const kv = await readMetadata(c, kvCount, options.signal);
  const alignment = alignmentOf(kv);
  const raw = await readTensorInfos(c, tensorCount, alignment, options.signal);
  const dataOffset = alignUp(c.offset, alignment);
  const tensors: GgufTensorInfo[] = raw.map((t) => ({
    name: t.name,
    shape: t.shape,
    type: t.type,
    typeInfo: ggmlTypeInfo(t.type),
    relativeOffset: t.relativeOffset,
    offset: dataOffset + t.relativeOffset,
    byteLength: t.byteLength,
    elements: t.elements,
    source,
  }));
  checkTensorData(tensors, raw, source, options.allowMissingData ?? false);
  return createGgufFile({ version, alignment, dataOffset, kv, tensors, sources: [source] });
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

async function readHeader(c: Cursor): Promise<number> {
  await c.fill(8, 'the GGUF header (magic and version)');
  const magic = c.u32();
  if (magic !== GGUF_MAGIC) {
    const b = [magic & 0xff, (magic >> 8) & 0xff, (magic >> 16) & 0xff, magic >>> 24];
    throw new GgufMagicError(String.fromCharCode(...b.map((x) => (x >= 32 && x < 127 ? x : 0x3f))));
  }
  const version = c.u32();
  // A big-endian file stores version 3 as bytes 00 00 00 03, which read little-endian leaves the low half zero.
  if (version !== 0 && (version & 0xffff) === 0) {
    throw new GgufVersionError(
      'This GGUF file is big-endian; llamats reads little-endian files only. Convert it with ' +
        "gguf-py's `gguf-convert-endian` (or re-convert the model on a little-endian machine).",
      version >>> 24,
    );
  }
  if (!GGUF_SUPPORTED_VERSIONS.includes(version)) {
    throw new GgufVersionError(
      version === 1
        ? 'GGUF version 1 files are not supported: re-convert the model with a current llama.cpp.'
        : `Unsupported GGUF version ${version}; this reader supports versions ${GGUF_SUPPORTED_VERSIONS.join(' and ')}. ` +
            'The file may come from a newer tool than this reader, or be corrupt.',
      version,
    );
  }
  return version;
}

async function readMetadata(c: Cursor, kvCount: number, signal: AbortSignal | undefined): Promise<GgufKV[]> {
  const kv: GgufKV[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < kvCount; i++) {
    signal?.throwIfAborted();
    const at = c.offset;
    const what = `metadata key ${i}`;
    const key = c.tryString(what) ?? (await c.readString(what));
    if (seen.has(key)) {
      throw new GgufMetadataError(
        `Duplicate metadata key "${key}": the file is corrupt (llama.cpp rejects it too)`,
        at,
      );
    }
    seen.add(key);
    if (!c.has(4)) await c.fill(4, `the type of "${key}"`);
    const typeAt = c.offset;
    const type = c.u32();
    checkValueType(type, key, typeAt);
    const value = await readValue(c, type, key, 0);
    kv.push({ key, type, value });
  }
  return kv;
}

function alignmentOf(kv: readonly GgufKV[]): number {
  const entry = kv.find((e) => e.key === 'general.alignment');
  if (!entry) return GGUF_DEFAULT_ALIGNMENT;
  const a = entry.value;
  if (typeof a !== 'number' || !Number.isInteger(a) || a <= 0 || (a & (a - 1)) !== 0) {
    throw new GgufMetadataError(
      `general.alignment must be a power of two, got ${String(a)}: the file is corrupt or was written by a broken tool`,
    );
  }
  return a;
}

interface RawTensor {
  readonly name: string;
  readonly shape: number[];
  readonly type: GgmlType;
  readonly relativeOffset: number;
  readonly elements: number;
  readonly byteLength: number;
  /** File offset of its tensor info, for messages. */
  readonly at: number;
}

async function readTensorInfos(
  c: Cursor,
  tensorCount: number,
  alignment: number,
  signal: AbortSignal | undefined,
): Promise<RawTensor[]> {
  const raw: RawTensor[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    signal?.throwIfAborted();
    const at = c.offset;
    const what = `the name of tensor ${i}`;
    const name = c.tryString(what) ?? (await c.readString(what));
    if (names.has(name)) throw new GgufTensorError(`Duplicate tensor name "${name}": the file is corrupt`, name, at);
    names.add(name);
    if (!c.has(4)) await c.fill(4, `the dimension count of "${name}"`);
    const nDims = c.u32();
    if (nDims < 1 || nDims > GGML_MAX_DIMS) {
      throw new GgufTensorError(
        `Tensor "${name}" has ${nDims} dimensions; ggml allows 1 to ${GGML_MAX_DIMS}: the file is corrupt`,
        name,
        at,
      );
    }
    if (!c.has(8 * nDims + 12)) await c.fill(8 * nDims + 12, `the shape, type and offset of "${name}"`);
    const shape: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const n = c.u64Number();
      shape.push(n);
      elements *= n;
    }
    // Only a file's worth of data can be described; anything near 2^53 elements is corruption.
    if (!Number.isSafeInteger(elements) || shape.some((n) => !Number.isSafeInteger(n))) {
      throw new GgufTensorError(
        `Tensor "${name}" has shape [${shape.join(', ')}], far larger than any file: the file is corrupt`,
        name,
        at,
      );
    }
    const typeAt = c.offset;
    const type = c.u32() as GgmlType;
    const typeInfo = ggmlTypeInfo(type, { tensor: name, offset: typeAt });
    if (shape[0] % typeInfo.blockSize !== 0) {
      throw new GgufTensorError(
        `Tensor "${name}" has rows of ${shape[0]} values, not a multiple of the ${typeInfo.name} block size ` +
          `${typeInfo.blockSize}: the file is corrupt`,
        name,
        at,
      );
    }
    const offsetAt = c.offset;
    const relativeOffset = c.u64Number();
    if (relativeOffset % alignment !== 0) {
      throw new GgufTensorError(
        `Tensor "${name}" starts at data offset ${relativeOffset}, not aligned to ${alignment} bytes: the file is corrupt`,
        name,
        offsetAt,
      );
    }
    const byteLength = (elements / typeInfo.blockSize) * typeInfo.bytesPerBlock;
    raw.push({ name, shape, type, relativeOffset, elements, byteLength, at });
  }
  return raw;
}

/** Tensor data must lie inside the file and tensors must not overlap. */
function checkTensorData(
  tensors: readonly GgufTensorInfo[],
  raw: readonly RawTensor[],
  source: ByteSource,
  allowMissingData: boolean,
): void {
  const order = raw.map((_, i) => i).sort((a, b) => raw[a].relativeOffset - raw[b].relativeOffset);
  for (let k = 0; k < order.length; k++) {
    const t = tensors[order[k]];
    const at = raw[order[k]].at;
    const end = t.offset + t.byteLength;
    if (!allowMissingData && end > source.size) {
      throw new GgufTensorError(
        `Tensor "${t.name}" data (${t.byteLength} bytes at ${t.offset}) extends past the end of ${source.name} ` +
          `(${source.size} bytes): the file is truncated. Download it again.`,
        t.name,
        at,
      );
    }
    const next = k + 1 < order.length ? tensors[order[k + 1]] : undefined;
    if (next && t.relativeOffset + t.byteLength > next.relativeOffset) {
      throw new GgufTensorError(
        `Tensors "${t.name}" (data offset ${t.relativeOffset}, ${t.byteLength} bytes) and "${next.name}" ` +
          `(data offset ${next.relativeOffset}) overlap: the file is corrupt`,
        t.name,
        at,
      );
    }
  }
}

function checkValueType(type: number, key: string, at: number): asserts type is GgufValueType {
  if (!Object.hasOwn(GGUF_VALUE_SIZE, type)) {
    throw new GgufMetadataError(
      `Metadata "${key}" has unknown value type ${type} (known: 0 to 12): the file is corrupt`,
      at,
    );
  }
}

async function readValue(c: Cursor, type: GgufValueType, key: string, depth: number): Promise<GgufValue> {
  if (type === GgufValueType.STRING) {
    const what = `the value of "${key}"`;
    return c.tryString(what) ?? (await c.readString(what));
  }
  if (type === GgufValueType.ARRAY) return readArray(c, key, depth);
  const size = GGUF_VALUE_SIZE[type];
  if (!c.has(size)) await c.fill(size, `the value of "${key}"`);
  return readScalar(c, type);
}

const SCALAR_READERS: Partial<Record<GgufValueType, (c: Cursor) => number | bigint | boolean>> = {
  [GgufValueType.UINT8]: (c) => c.u8(),
  [GgufValueType.INT8]: (c) => c.i8(),
  [GgufValueType.UINT16]: (c) => c.u16(),
  [GgufValueType.INT16]: (c) => c.i16(),
  [GgufValueType.UINT32]: (c) => c.u32(),
  [GgufValueType.INT32]: (c) => c.i32(),
  [GgufValueType.FLOAT32]: (c) => c.f32(),
  [GgufValueType.BOOL]: (c) => c.u8() !== 0,
  [GgufValueType.UINT64]: (c) => c.u64(),
  [GgufValueType.INT64]: (c) => c.i64(),
  [GgufValueType.FLOAT64]: (c) => c.f64(),
};

function readScalar(c: Cursor, type: GgufValueType): number | bigint | boolean {
  return SCALAR_READERS[type]!(c);
}

/** Typed-array constructors for numeric array items (little-endian hosts only, like ggml itself). */
const TYPED_ARRAY: Partial<Record<GgufValueType, { new (b: ArrayBuffer): GgufArray['values'] }>> = {
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

async function readArray(c: Cursor, key: string, depth: number): Promise<GgufArray> {
  if (depth >= MAX_ARRAY_DEPTH) {
    throw new GgufMetadataError(
      `Metadata "${key}" nests arrays more than ${MAX_ARRAY_DEPTH} deep: the file is corrupt`,
      c.offset,
    );
  }
  if (!c.has(12)) await c.fill(12, `the array header of "${key}"`);
  const at = c.offset;
  const itemType = c.u32();
  checkValueType(itemType, key, at);
  const count = c.u64Number();
  const minItem =
    itemType === GgufValueType.STRING ? 8 : itemType === GgufValueType.ARRAY ? 12 : GGUF_VALUE_SIZE[itemType];
  if (count * minItem > c.remaining) {
    throw new GgufLimitError(
      `Array "${key}" claims ${count} items but only ${c.remaining} bytes remain in the file: the file is corrupt`,
      at + 4,
    );
  }
  const Typed = TYPED_ARRAY[itemType];
  if (Typed) {
    const n = count * GGUF_VALUE_SIZE[itemType];
    if (!c.has(n)) await c.fill(n, `the array "${key}"`);
    return { itemType, values: new Typed(c.bytes(n).buffer as ArrayBuffer) };
  }
  if (itemType === GgufValueType.BOOL) {
    if (!c.has(count)) await c.fill(count, `the array "${key}"`);
    return { itemType, values: Array.from(c.bytes(count), (b) => b !== 0) };
  }
  if (itemType === GgufValueType.STRING) {
    const values: string[] = new Array(count);
    let i = 0;
    const what = () => `item ${i} of "${key}"`;
    for (; i < count; i++) {
      // Synchronous while the window holds the next string; awaits only to refill.
      values[i] = c.tryString(what) ?? (await c.readString(what));
    }
    return { itemType, values };
  }
  const values: GgufArray[] = [];
  for (let i = 0; i < count; i++) values.push(await readArray(c, key, depth + 1));
  return { itemType, values };
}

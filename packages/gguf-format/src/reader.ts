/**
 * Parses the GGUF header, metadata and tensor directory from a {@link ByteSource}, reading only those bytes.
 * Every count and length is checked against the bytes left in the file before anything is allocated from it.
 */
import type { ByteSource } from './byte-source.js';
import { Cursor } from './cursor.js';
import {
  GgufLimitError,
  GgufMagicError,
  GgufMetadataError,
  GgufTensorError,
  GgufVersionError,
} from './errors.js';
import { type GgmlType, type GgmlTypeInfo, ggmlTypeInfo } from './ggml-types.js';
import { GGUF_VALUE_SIZE, type GgufArray, type GgufKV, type GgufValue, GgufValueType } from './metadata.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGML_MAX_DIMS = 4;
const MAX_ARRAY_DEPTH = 8;

export interface GgufTensorInfo {
  readonly name: string;
  /** ggml order: `shape[0]` is the row length (contiguous), `shape[1]` the number of rows... */
  readonly shape: readonly number[];
  readonly type: GgmlType;
  readonly typeInfo: GgmlTypeInfo;
  /** Offset relative to the data section of its file, as stored in the GGUF. */
  readonly relativeOffset: number;
  /** Absolute offset of the first byte in `source`. */
  readonly offset: number;
  readonly byteLength: number;
  readonly elements: number;
  /** The file holding the bytes (differs between the parts of a split model). */
  readonly source: ByteSource;
}

export interface GgufFile {
  readonly version: number;
  readonly alignment: number;
  /** Absolute offset of the data section in the (first) file. */
  readonly dataOffset: number;
  /** Metadata in file order. */
  readonly kv: readonly GgufKV[];
  /** Metadata by key. */
  readonly metadata: ReadonlyMap<string, GgufKV>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly source: ByteSource;
  /** Every file of a split model, first to last (one entry for an ordinary file). */
  readonly sources: readonly ByteSource[];
  /** Value of a key, or undefined. */
  get(key: string): GgufValue | undefined;
  tensor(name: string): GgufTensorInfo | undefined;
}

export interface ParseOptions {
  /** Skip checks that tensor data lies inside the file (for header-only/truncated downloads). Default false. */
  allowMissingData?: boolean;
  signal?: AbortSignal;
}

class ParsedGguf implements GgufFile {
  readonly metadata: ReadonlyMap<string, GgufKV>;
  private readonly byName: Map<string, GgufTensorInfo>;
  constructor(
    readonly version: number,
    readonly alignment: number,
    readonly dataOffset: number,
    readonly kv: readonly GgufKV[],
    readonly tensors: readonly GgufTensorInfo[],
    readonly source: ByteSource,
    readonly sources: readonly ByteSource[],
  ) {
    this.metadata = new Map(kv.map((e) => [e.key, e]));
    this.byName = new Map(tensors.map((t) => [t.name, t]));
  }
  get(key: string): GgufValue | undefined {
    return this.metadata.get(key)?.value;
  }
  tensor(name: string): GgufTensorInfo | undefined {
    return this.byName.get(name);
  }
}

/** Parses a GGUF file (header, metadata, tensor directory). Tensor data is not read. */
export async function parseGguf(source: ByteSource, options: ParseOptions = {}): Promise<GgufFile> {
  const c = new Cursor(source);
  await c.need(4, 'the magic number');
  const magic = c.u32();
  if (magic !== GGUF_MAGIC) {
    const b = [magic & 0xff, (magic >> 8) & 0xff, (magic >> 16) & 0xff, (magic >>> 24) & 0xff];
    throw new GgufMagicError(String.fromCharCode(...b.map((x) => (x >= 32 && x < 127 ? x : 0x3f))));
  }
  await c.need(4, 'the version');
  const version = c.u32();
  if (version === 0 || version > 0xffff) {
    // A big-endian file stores 3 as 0x03000000.
    const swapped = ((version & 0xff) << 24) | ((version >> 8) & 0xff) << 16 | ((version >> 16) & 0xff) << 8 | (version >>> 24);
    if (swapped >= 1 && swapped <= 3) {
      throw new GgufVersionError(
        'This GGUF file is big-endian; llamats reads little-endian files only. Convert it on a little-endian machine ' +
          '(gguf-py `gguf-convert-endian` converts it).',
      );
    }
  }
  if (version < 2 || version > 3) {
    throw new GgufVersionError(
      version === 1
        ? 'GGUF version 1 files are not supported: re-convert the model with a current llama.cpp.'
        : `Unsupported GGUF version ${version}; this reader supports versions 2 and 3.`,
    );
  }
  await c.need(16, 'the tensor and metadata counts');
  const tensorCount = c.u64Number();
  const kvCount = c.u64Number();
  // Each kv needs at least an 8-byte key length, a 4-byte type and one value byte;
  // each tensor info at least 8 + 4 + 8 + 4 + 8 bytes.
  if (kvCount * 13 > c.remaining) {
    throw new GgufLimitError(`Metadata count ${kvCount} is impossible for a file of ${source.size} bytes`, 16);
  }
  if (tensorCount * 32 > c.remaining) {
    throw new GgufLimitError(`Tensor count ${tensorCount} is impossible for a file of ${source.size} bytes`, 8);
  }

  const kv: GgufKV[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < kvCount; i++) {
    options.signal?.throwIfAborted();
    const at = c.offset;
    const key = await readString(c, 'a metadata key');
    if (seen.has(key)) throw new GgufMetadataError(`Duplicate metadata key "${key}"`, at);
    seen.add(key);
    await c.need(4, `the type of "${key}"`);
    const typeAt = c.offset;
    const type = c.u32();
    checkValueType(type, key, typeAt);
    const value = await readValue(c, type, key, 0);
    kv.push({ key, type, value });
  }

  const alignmentKv = kv.find((e) => e.key === 'general.alignment');
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentKv) {
    const a = Number(alignmentKv.value);
    if (typeof alignmentKv.value !== 'number' || !Number.isInteger(a) || a <= 0 || (a & (a - 1)) !== 0) {
      throw new GgufMetadataError(`general.alignment must be a power of two, got ${String(alignmentKv.value)}`);
    }
    alignment = a;
  }

  interface RawTensor {
    name: string;
    shape: number[];
    type: GgmlType;
    typeInfo: GgmlTypeInfo;
    relativeOffset: number;
    elements: number;
    byteLength: number;
    at: number;
  }
  const raw: RawTensor[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    options.signal?.throwIfAborted();
    const at = c.offset;
    const name = await readString(c, 'a tensor name');
    if (names.has(name)) throw new GgufTensorError(`Duplicate tensor name "${name}"`, name, at);
    names.add(name);
    await c.need(4, `the dimension count of "${name}"`);
    const nDims = c.u32();
    if (nDims < 1 || nDims > GGML_MAX_DIMS) {
      throw new GgufTensorError(`Tensor "${name}" has ${nDims} dimensions; ggml allows 1 to ${GGML_MAX_DIMS}`, name, at);
    }
    await c.need(8 * nDims + 12, `the shape of "${name}"`);
    const shape: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const n = c.u64Number();
      if (!Number.isSafeInteger(n) || n < 0) throw new GgufTensorError(`Tensor "${name}" has dimension ${n}`, name, at);
      shape.push(n);
      elements *= n;
    }
    if (!Number.isSafeInteger(elements) || elements > source.size * 64) {
      throw new GgufTensorError(`Tensor "${name}" with shape [${shape}] is impossibly large`, name, at);
    }
    const typeAt = c.offset;
    const type = c.u32() as GgmlType;
    const typeInfo = ggmlTypeInfo(type, { tensor: name, offset: typeAt });
    if (shape[0] % typeInfo.blockSize !== 0) {
      throw new GgufTensorError(
        `Tensor "${name}" has rows of ${shape[0]} values, not a multiple of the ${typeInfo.name} block size ${typeInfo.blockSize}`,
        name,
        at,
      );
    }
    const relativeOffset = c.u64Number();
    if (relativeOffset % alignment !== 0) {
      throw new GgufTensorError(
        `Tensor "${name}" starts at data offset ${relativeOffset}, not aligned to ${alignment} bytes`,
        name,
        at,
      );
    }
    const byteLength = (elements / typeInfo.blockSize) * typeInfo.bytesPerBlock;
    raw.push({ name, shape, type, typeInfo, relativeOffset, elements, byteLength, at });
  }

  const dataOffset = Math.ceil(c.offset / alignment) * alignment;
  const tensors: GgufTensorInfo[] = raw.map((t) => ({
    name: t.name,
    shape: t.shape,
    type: t.type,
    typeInfo: t.typeInfo,
    relativeOffset: t.relativeOffset,
    offset: dataOffset + t.relativeOffset,
    byteLength: t.byteLength,
    elements: t.elements,
    source,
  }));

  // Tensor data must lie inside the file and must not overlap.
  const sorted = raw.slice().sort((a, b) => a.relativeOffset - b.relativeOffset);
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i];
    const end = dataOffset + t.relativeOffset + t.byteLength;
    if (!options.allowMissingData && end > source.size) {
      throw new GgufTensorError(
        `Tensor "${t.name}" data (${t.byteLength} bytes at ${dataOffset + t.relativeOffset}) extends past the end of the file ` +
          `(${source.size} bytes): the file is truncated. Download it again.`,
        t.name,
        t.at,
      );
    }
    const next = sorted[i + 1];
    if (next && t.relativeOffset + t.byteLength > next.relativeOffset) {
      throw new GgufTensorError(`Tensors "${t.name}" and "${next.name}" overlap`, t.name, t.at);
    }
  }

  return new ParsedGguf(version, alignment, dataOffset, kv, tensors, source, [source]);
}

function checkValueType(type: number, key: string, at: number): asserts type is GgufValueType {
  if (!(type in GGUF_VALUE_SIZE)) {
    throw new GgufMetadataError(`Metadata "${key}" has unknown value type ${type}`, at);
  }
}

async function readString(c: Cursor, what: string): Promise<string> {
  await c.need(8, `the length of ${what}`);
  const at = c.offset;
  const len = c.u64Number();
  if (len > c.remaining) {
    throw new GgufLimitError(`${what} claims ${len} bytes but only ${c.remaining} remain in the file`, at);
  }
  await c.need(len, what);
  const s = c.utf8(len);
  if (s === undefined) throw new GgufMetadataError(`${what} is not valid UTF-8`, at + 8);
  return s;
}

async function readValue(c: Cursor, type: GgufValueType, key: string, depth: number): Promise<GgufValue> {
  switch (type) {
    case GgufValueType.STRING:
      return readString(c, `the value of "${key}"`);
    case GgufValueType.ARRAY:
      return readArray(c, key, depth);
    default: {
      const size = GGUF_VALUE_SIZE[type];
      await c.need(size, `the value of "${key}"`);
      return readScalar(c, type);
    }
  }
}

function readScalar(c: Cursor, type: GgufValueType): number | bigint | boolean {
  switch (type) {
    case GgufValueType.UINT8:
      return c.u8();
    case GgufValueType.INT8:
      return c.i8();
    case GgufValueType.UINT16:
      return c.u16();
    case GgufValueType.INT16:
      return c.i16();
    case GgufValueType.UINT32:
      return c.u32();
    case GgufValueType.INT32:
      return c.i32();
    case GgufValueType.FLOAT32:
      return c.f32();
    case GgufValueType.BOOL:
      return c.u8() !== 0;
    case GgufValueType.UINT64:
      return c.u64();
    case GgufValueType.INT64:
      return c.i64();
    case GgufValueType.FLOAT64:
      return c.f64();
    default:
      throw new Error(`not a scalar type: ${type}`);
  }
}

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
    throw new GgufMetadataError(`Metadata "${key}" nests arrays more than ${MAX_ARRAY_DEPTH} deep`, c.offset);
  }
  await c.need(12, `the array header of "${key}"`);
  const at = c.offset;
  const itemType = c.u32();
  checkValueType(itemType, key, at);
  const count = c.u64Number();
  const minItem = itemType === GgufValueType.STRING ? 8 : itemType === GgufValueType.ARRAY ? 12 : GGUF_VALUE_SIZE[itemType];
  if (count * minItem > c.remaining) {
    throw new GgufLimitError(
      `Array "${key}" claims ${count} items but only ${c.remaining} bytes remain in the file`,
      at + 4,
    );
  }
  const Typed = TYPED_ARRAY[itemType];
  if (Typed) {
    const n = count * GGUF_VALUE_SIZE[itemType];
    await c.need(n, `the array "${key}"`);
    return { itemType, values: new Typed(c.bytes(n).buffer as ArrayBuffer) };
  }
  if (itemType === GgufValueType.BOOL) {
    await c.need(count, `the array "${key}"`);
    return { itemType, values: Array.from(c.bytes(count), (b) => b !== 0) };
  }
  if (itemType === GgufValueType.STRING) {
    const values: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      values[i] = await readString(c, `item ${i} of "${key}"`);
    }
    return { itemType, values };
  }
  const values: GgufArray[] = [];
  for (let i = 0; i < count; i++) values.push(await readArray(c, key, depth + 1));
  return { itemType, values };
}

/** The parsed form of a GGUF file (or of all parts of a split model): metadata and tensor directory. */
import type { ByteSource } from './byte-source.js';
import type { GgmlType, GgmlTypeInfo } from './ggml-types.js';
import type { GgufKV, GgufValue } from './metadata.js';

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
  /** Metadata in file order (for a split model: the first part's, which holds the model's metadata). */
  readonly kv: readonly GgufKV[];
  /** Metadata by key. */
  readonly metadata: ReadonlyMap<string, GgufKV>;
  /** Every tensor, in file order (for a split model: part by part). */
  readonly tensors: readonly GgufTensorInfo[];
  /** The (first) file. */
  readonly source: ByteSource;
  /** Every file of a split model, first to last (one entry for an ordinary file). */
  readonly sources: readonly ByteSource[];
  /** Value of a key, or undefined. */
  get(key: string): GgufValue | undefined;
  tensor(name: string): GgufTensorInfo | undefined;
  /** Closes every source (all parts of a split model). Safe to call twice. */
  close(): Promise<void>;
}

/** The layout facts of one file, shared by the single-file and split forms. */
export interface GgufFileInit {
  readonly version: number;
  readonly alignment: number;
  readonly dataOffset: number;
  readonly kv: readonly GgufKV[];
  readonly tensors: readonly GgufTensorInfo[];
  readonly sources: readonly ByteSource[];
}

class ParsedGguf implements GgufFile {
  readonly version: number;
  readonly alignment: number;
  readonly dataOffset: number;
  readonly kv: readonly GgufKV[];
  readonly tensors: readonly GgufTensorInfo[];
  readonly sources: readonly ByteSource[];
  readonly metadata: ReadonlyMap<string, GgufKV>;
  private readonly byName: ReadonlyMap<string, GgufTensorInfo>;

  constructor(init: GgufFileInit) {
    this.version = init.version;
    this.alignment = init.alignment;
    this.dataOffset = init.dataOffset;
    this.kv = init.kv;
    this.tensors = init.tensors;
    this.sources = init.sources;
    this.metadata = new Map(init.kv.map((e) => [e.key, e]));
    this.byName = new Map(init.tensors.map((t) => [t.name, t]));
  }
  get source(): ByteSource {
    return this.sources[0];
  }
  get(key: string): GgufValue | undefined {
    return this.metadata.get(key)?.value;
  }
  tensor(name: string): GgufTensorInfo | undefined {
    return this.byName.get(name);
  }
  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close?.()));
  }
}

/** Builds a {@link GgufFile} from already-validated parts. */
export function createGgufFile(init: GgufFileInit): GgufFile {
  return new ParsedGguf(init);
}

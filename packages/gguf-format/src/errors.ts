/** Errors raised while reading or writing GGUF data. Each carries the byte offset where the problem was seen. */
export class GgufError extends Error {
  /** Byte offset in the file (or -1 when not tied to a place). */
  readonly offset: number;
  constructor(message: string, offset = -1, options?: { cause?: unknown }) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message, options);
    this.name = new.target.name;
    this.offset = offset;
  }
}

/** The file ends before a structure it announces. */
export class GgufTruncatedError extends GgufError {
  constructor(what: string, offset: number, needed: number, size: number) {
    super(
      `GGUF file is truncated: ${what} needs ${needed} bytes but the file has ${Math.max(0, size - offset)} left of ${size}. ` +
        'Download the file again (compare its size with the source).',
      offset,
    );
  }
}

/** Not a GGUF file at all. */
export class GgufMagicError extends GgufError {
  constructor(found: string) {
    super(
      `Not a GGUF file: it starts with ${JSON.stringify(found)} instead of "GGUF". ` +
        'Convert the model with llama.cpp (convert_hf_to_gguf.py) or pick the .gguf file.',
      0,
    );
  }
}

/** A GGUF version this reader does not support, or a big-endian file. */
export class GgufVersionError extends GgufError {
  /** The version found (for a big-endian file: the version byte-swapped back). */
  readonly version: number;
  constructor(message: string, version: number) {
    super(message, 4);
    this.version = version;
  }
}

/** A count or length in the file is impossible for the file's size (corruption, or a hostile file). */
export class GgufLimitError extends GgufError {}

/** Structural problem in the metadata (duplicate key, bad value type, invalid UTF-8...). */
export class GgufMetadataError extends GgufError {}

/** Structural problem in the tensor directory or data (bad shape, overlap, misalignment, beyond end of file). */
export class GgufTensorError extends GgufError {
  readonly tensor: string | undefined;
  constructor(message: string, tensor: string | undefined, offset = -1) {
    super(message, offset);
    this.tensor = tensor;
  }
}

/** A tensor type id that no ggml version defines. */
export class GgufUnknownTypeError extends GgufError {
  readonly typeId: number;
  readonly tensor: string | undefined;
  constructor(typeId: number, tensor?: string, offset = -1) {
    super(
      `Unknown ggml tensor type id ${typeId}${tensor ? ` for tensor "${tensor}"` : ''}. ` +
        'The file may come from a newer llama.cpp than this reader knows, or be corrupt.',
      offset,
    );
    this.typeId = typeId;
    this.tensor = tensor;
  }
}

/** The parts of a split model do not fit together (missing part, wrong order, mismatched counts). */
export class GgufSplitError extends GgufError {
  /** The part (file name) the problem was seen in, when one is to blame. */
  readonly part: string | undefined;
  constructor(message: string, part?: string, offset = -1) {
    super(message, offset);
    this.part = part;
  }
}

/** Input to the GGUF writer that cannot be written (wrong data length, value out of range, bad name...). */
export class GgufWriteError extends GgufError {}

/** A required metadata key is missing or has the wrong type. */
export class GgufKeyError extends GgufError {
  readonly key: string;
  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

/** A byte source failed to deliver bytes (I/O error, HTTP error, server without Range support). */
export class ByteSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ByteSourceError';
  }
}

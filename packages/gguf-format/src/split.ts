/**
 * Split models: llama.cpp's `gguf-split` cuts a model into `name-00001-of-00003.gguf`, ... Every part is a
 * complete GGUF file with its own header and tensors; the first part carries all of the model's metadata,
 * and every part carries `split.no` (u16, 0-based), `split.count` (u16) and `split.tensors.count` (i32, the
 * model's total). {@link openGgufSplit} joins the parts into one logical {@link GgufFile} whose tensors
 * point at the part that holds them; {@link planGgufSplit} plans the parts the way gguf-split does.
 */
import { getNumber } from './accessors.js';
import type { ByteSource } from './byte-source.js';
import { GgufSplitError } from './errors.js';
import { createGgufFile, type GgufFile, type GgufTensorInfo } from './gguf-file.js';
import { type GgufKV, GgufValueType } from './metadata.js';
import { alignUp, GGUF_DEFAULT_ALIGNMENT, type ParseOptions, parseGguf } from './reader.js';
import { streamTensorBytes } from './tensor-data.js';
import type { GgufWriteSpec } from './writer.js';

export const SPLIT_NO_KEY = 'split.no';
export const SPLIT_COUNT_KEY = 'split.count';
export const SPLIT_TENSORS_COUNT_KEY = 'split.tensors.count';

const SPLIT_NAME = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

export interface SplitFileName {
  /** Everything before `-0000k-of-0000n.gguf` (a path or URL prefix). */
  readonly prefix: string;
  /** 0-based part index. */
  readonly index: number;
  readonly count: number;
}

/** The name of part `index` (0-based) of `count`: `prefix-00001-of-00003.gguf`, as llama.cpp names them. */
export function splitFileName(prefix: string, index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}-${pad(index + 1)}-of-${pad(count)}.gguf`;
}

/** Recognises a split part's name (path or URL path); undefined for an ordinary name. */
export function parseSplitFileName(name: string): SplitFileName | undefined {
  const m = SPLIT_NAME.exec(name);
  if (!m) return undefined;
  const index = Number(m[2]) - 1;
  const count = Number(m[3]);
  if (count < 1 || index < 0 || index >= count) return undefined;
  return { prefix: m[1], index, count };
}

/**
 * Joins the parts of a split model (first to last) into one {@link GgufFile}: the first part's metadata,
 * every part's tensors (each with its own `source` and absolute `offset`), `sources` listing the parts.
 * A single ordinary file is returned as parsed. Throws {@link GgufSplitError} when the parts do not fit
 * together (missing or extra parts, wrong order, tensor count different from `split.tensors.count`,
 * a tensor in two parts).
 */
export async function openGgufSplit(sources: readonly ByteSource[], options: ParseOptions = {}): Promise<GgufFile> {
  if (sources.length === 0) throw new GgufSplitError('openGgufSplit needs at least one source');
  const parts: GgufFile[] = [];
  for (const source of sources) parts.push(await parseGguf(source, options));
  const first = parts[0];
  const count = splitNumber(first, SPLIT_COUNT_KEY);
  if (sources.length === 1 && (count === undefined || count <= 1)) return first;
  if (count === undefined || count === 0) {
    throw new GgufSplitError(
      `${first.source.name} has no ${SPLIT_COUNT_KEY}: it is not the first part of a split model. ` +
        'Open the file named -00001-of-0000N.gguf, or open this file alone.',
      first.source.name,
    );
  }
  if (count !== sources.length) {
    throw new GgufSplitError(
      `${first.source.name} says the model has ${count} parts, but ${sources.length} were given. ` +
        `Pass all ${count} files, first to last.`,
      first.source.name,
    );
  }
  const byName = new Map<string, string>();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const name = part.source.name;
    const no = splitNumber(part, SPLIT_NO_KEY);
    if (no !== undefined && no !== i) {
      throw new GgufSplitError(
        `${name} is part ${no + 1} of the model but was given as part ${i + 1}: pass the parts in order`,
        name,
      );
    }
    const partCount = splitNumber(part, SPLIT_COUNT_KEY);
    if (partCount !== undefined && partCount !== count) {
      throw new GgufSplitError(
        `${name} belongs to a model in ${partCount} parts, not ${count}: the parts come from different splits`,
        name,
      );
    }
    for (const t of part.tensors) {
      const other = byName.get(t.name);
      if (other !== undefined) {
        throw new GgufSplitError(`Tensor "${t.name}" is in both ${other} and ${name}: the parts are corrupt`, name);
      }
      byName.set(t.name, name);
    }
  }
  const tensors: GgufTensorInfo[] = parts.flatMap((p) => p.tensors);
  const expected = splitNumber(first, SPLIT_TENSORS_COUNT_KEY);
  if (expected !== undefined && expected !== tensors.length) {
    throw new GgufSplitError(
      `The model should have ${expected} tensors (${SPLIT_TENSORS_COUNT_KEY}) but its ${count} parts hold ` +
        `${tensors.length}: a part is missing or corrupt`,
      first.source.name,
    );
  }
  return createGgufFile({
    version: first.version,
    alignment: first.alignment,
    dataOffset: first.dataOffset,
    kv: first.kv,
    tensors,
    sources,
  });
}

function splitNumber(g: GgufFile, key: string): number | undefined {
  try {
    return getNumber(g, key);
  } catch (cause) {
    throw new GgufSplitError(`${g.source.name}: ${(cause as Error).message}`, g.source.name);
  }
}

export interface SplitPlanOptions {
  /** At most this many tensors per part (gguf-split's `--split-max-tensors`; default 128). */
  maxTensors?: number;
  /** At most about this many bytes of tensor data per part (`--split-max-size`); overrides `maxTensors`. */
  maxBytes?: number;
  /** Bytes per read when streaming tensor data from the source. */
  chunkSize?: number;
}

/**
 * Plans the parts of a split the way llama.cpp's gguf-split does: the first part gets all metadata, every
 * part gets `split.no`, `split.tensors.count` and `split.count`, and tensors keep their order. Each returned
 * spec streams its tensor data from `gguf` when written; name the files with {@link splitFileName}.
 */
export function planGgufSplit(gguf: GgufFile, options: SplitPlanOptions = {}): GgufWriteSpec[] {
  const maxTensors = options.maxTensors ?? 128;
  const groups: GgufTensorInfo[][] = [[]];
  let bytes = 0;
  for (const t of gguf.tensors) {
    const current = groups[groups.length - 1];
    const padded = alignUp(t.byteLength, GGUF_DEFAULT_ALIGNMENT);
    const full =
      current.length > 0 &&
      (options.maxBytes !== undefined ? bytes + padded > options.maxBytes : current.length >= maxTensors);
    if (full) {
      groups.push([t]);
      bytes = padded;
    } else {
      current.push(t);
      bytes += padded;
    }
  }
  const splitKeys = new Set([SPLIT_NO_KEY, SPLIT_COUNT_KEY, SPLIT_TENSORS_COUNT_KEY]);
  const modelKv = gguf.kv.filter((e) => !splitKeys.has(e.key));
  return groups.map((tensors, i): GgufWriteSpec => {
    const splitKv: GgufKV[] = [
      { key: SPLIT_NO_KEY, type: GgufValueType.UINT16, value: i },
      { key: SPLIT_TENSORS_COUNT_KEY, type: GgufValueType.INT32, value: gguf.tensors.length },
      { key: SPLIT_COUNT_KEY, type: GgufValueType.UINT16, value: groups.length },
    ];
    return {
      version: gguf.version,
      kv: i === 0 ? [...modelKv, ...splitKv] : splitKv,
      tensors: tensors.map((t) => ({
        name: t.name,
        shape: t.shape,
        type: t.type,
        data: (signal?: AbortSignal) => streamTensorBytes(t, { chunkSize: options.chunkSize, signal }),
      })),
    };
  });
}

/**
 * Node-only parts (`@llamats/gguf-format/node`): file sources, opening a model (split or not) by path, and
 * writing GGUF files. Kept apart so browser bundles never import `node:fs`.
 */
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type ByteSource, checkRange } from './byte-source.js';
import { ByteSourceError, GgufSplitError } from './errors.js';
import type { GgufFile } from './gguf-file.js';
import type { ParseOptions } from './reader.js';
import { openGgufSplit, parseSplitFileName, splitFileName } from './split.js';
import { type GgufLayout, type GgufWriteOptions, type GgufWriteSpec, writeGguf } from './writer.js';

/** A file read with positional reads: the file is never read whole. */
export class FileSource implements ByteSource {
  private constructor(
    private handle: FileHandle | undefined,
    readonly size: number,
    readonly name: string,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<FileSource> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const hint =
        code === 'ENOENT' ? 'no such file: check the path' : code === 'EACCES' ? 'check its permissions' : code;
      throw new ByteSourceError(`Cannot open model file ${path}: ${hint}`, { cause });
    }
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw new ByteSourceError(`${path} is not a regular file`);
    }
    return new FileSource(handle, info.size, basename(path), path);
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.readInto(offset, out, signal);
    return out;
  }

  async readInto(offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void> {
    const length = target.byteLength;
    checkRange(this, offset, length);
    signal?.throwIfAborted();
    if (!this.handle) throw new ByteSourceError(`${this.path} is closed`);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, done, length - done, offset + done);
      if (bytesRead === 0) throw new ByteSourceError(`${this.path} ended early at byte ${offset + done}`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

/**
 * Opens and parses a GGUF file from a path. A name like `model-00001-of-00003.gguf` (any part) opens every
 * part of the split model as one {@link GgufFile}. Close it with `gguf.close()`.
 */
export async function openGgufFile(path: string, options?: ParseOptions): Promise<GgufFile> {
  const paths = await splitPartPaths(path);
  const sources: FileSource[] = [];
  try {
    for (const p of paths) sources.push(await FileSource.open(p));
    return await openGgufSplit(sources, options);
  } catch (e) {
    await Promise.all(sources.map((s) => s.close()));
    throw e;
  }
}

/** Every part's path when `path` names a part of a split model, else `[path]`. */
async function splitPartPaths(path: string): Promise<string[]> {
  const split = parseSplitFileName(basename(path));
  if (!split || split.count === 1) return [path];
  const dir = dirname(path);
  const paths = Array.from({ length: split.count }, (_, i) => join(dir, splitFileName(split.prefix, i, split.count)));
  const missing: string[] = [];
  for (const p of paths) {
    if (!(await stat(p).catch(() => undefined))?.isFile()) missing.push(basename(p));
  }
  if (missing.length > 0) {
    throw new GgufSplitError(
      `${basename(path)} is part of a model split in ${split.count} files, but ${missing.join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} missing from ${dir}. Download every part into the same folder.`,
      basename(path),
    );
  }
  return paths;
}

/**
 * Writes a GGUF file to `path`, streaming tensor data as the spec's sources yield it. The file is written
 * under a temporary name and renamed when complete, so a failed or aborted write never leaves a
 * truncated model under the final name.
 */
export async function writeGgufFile(
  path: string,
  spec: GgufWriteSpec,
  options: GgufWriteOptions = {},
): Promise<GgufLayout> {
  const partial = `${path}.partial`;
  const handle = await open(partial, 'w');
  let layout: GgufLayout;
  try {
    layout = await writeGguf(
      spec,
      {
        async write(chunk) {
          let done = 0;
          while (done < chunk.byteLength) {
            const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done);
            done += bytesWritten;
          }
        },
      },
      options,
    );
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => {});
    await unlink(partial).catch(() => {});
    throw e;
  }
  await rename(partial, path);
  return layout;
}

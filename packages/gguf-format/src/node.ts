/** Node-only sources (`@llamats/gguf-format/node`): kept apart so browser bundles never import `node:fs`. */
import { type FileHandle, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { type ByteSource, checkRange } from './byte-source.js';
import { ByteSourceError } from './errors.js';

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
      const hint = code === 'ENOENT' ? 'check the path' : code === 'EACCES' ? 'check its permissions' : code;
      throw new ByteSourceError(`Cannot open model file ${path}: ${hint}`, { cause });
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw new ByteSourceError(`${path} is not a regular file`);
    }
    return new FileSource(handle, stat.size, basename(path), path);
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this, offset, length);
    signal?.throwIfAborted();
    if (!this.handle) throw new ByteSourceError(`${this.path} is closed`);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new ByteSourceError(`${this.path} ended early at byte ${offset + done}`);
      done += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

export { openGgufFile } from './open-node.js';

import { FileSource } from './node.js';
import { type GgufFile, type ParseOptions, parseGguf } from './reader.js';

/** Opens and parses a GGUF file from a path (Node). Close it with `gguf.source.close()`. */
export async function openGgufFile(path: string, options?: ParseOptions): Promise<GgufFile> {
  const source = await FileSource.open(path);
  try {
    return await parseGguf(source, options);
  } catch (e) {
    await source.close();
    throw e;
  }
}

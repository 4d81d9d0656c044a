import {
  describeGguf,
  formatGgufDescription,
  planGgufSplit,
  readLlamaHparams,
  readTensorBytes,
  splitFileName,
} from '@llamats/gguf-format';
import { openGgufFile, writeGgufFile } from '@llamats/gguf-format/node';

/** Inspects a model, reads one tensor, then splits the model into parts that llama.cpp can load too. */
export async function quickStart(modelPath: string, outDir: string) {
  // Reads the header and tensor directory only (a few reads), never the whole file.
  const gguf = await openGgufFile(modelPath);
  try {
    console.log(formatGgufDescription(describeGguf(gguf), { metadata: false, tensors: false }));

    const hp = readLlamaHparams(gguf); // llama.cpp's defaults applied
    const embd = gguf.tensor('token_embd.weight')!; // shape [n_embd, n_vocab], e.g. type Q4_K
    const bytes = await readTensorBytes(embd); // reads just this tensor
    console.log(`${embd.name}: [${embd.shape}] ${embd.typeInfo.name}, ${bytes.byteLength} bytes`);

    // Like `llama-gguf-split --split-max-tensors 8`: tensor data streams from the source, part by part.
    const parts = planGgufSplit(gguf, { maxTensors: 8 });
    for (const [i, part] of parts.entries()) {
      await writeGgufFile(`${outDir}/${splitFileName('model', i, parts.length)}`, part);
    }

    // Any part's name opens the whole model; each tensor knows which file holds it.
    const split = await openGgufFile(`${outDir}/${splitFileName('model', 0, parts.length)}`);
    const last = split.tensors[split.tensors.length - 1];
    console.log(`${split.sources.length} parts; ${last.name} is in ${last.source.name} at byte ${last.offset}`);
    await split.close();
    return { hp, embdBytes: bytes.byteLength, parts: split.sources.length };
  } finally {
    await gguf.close();
  }
}

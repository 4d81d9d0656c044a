import { openGgufFile } from '@llamats/gguf-format/node';
import { makeModel } from '@llamats/make-model';

/** Writes a small random-weight model, then reads back its type mix. */
export async function quickStart(outDir: string) {
  const made = await makeModel({ shape: 'tiny', type: 'Q4_K_M', outDir });
  console.log(`${made.path}: ${made.bytes} bytes, ${made.params} parameters, vocabulary ${made.nVocab}`);
  console.log(made.tensorTypes); // { Q6_K: 3, F32: 5, Q4_K: 13 }

  const gguf = await openGgufFile(made.path);
  const output = gguf.tensor('output.weight');
  console.log(`output.weight: [${output?.shape}] ${output?.typeInfo.name}`);
  await gguf.close();
  return made;
}

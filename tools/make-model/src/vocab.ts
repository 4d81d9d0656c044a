/**
 * The vocabulary of a generated model: every `tokenizer.ggml.*` key copied from an existing GGUF (a
 * vocab-only file or any model), so tokenizers (ours and llama.cpp's) see a real vocabulary.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GgufKV, isGgufArray } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';

export interface Vocabulary {
  /** Where the keys came from. */
  readonly path: string;
  /** The `tokenizer.ggml.*` entries, in their file order and with their exact types. */
  readonly kv: readonly GgufKV[];
  readonly size: number;
}

/** Thrown when no vocabulary file is found or it has no token list. */
export class VocabularyError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'VocabularyError';
  }
}

/** The monorepo root: the nearest folder above this module holding `pnpm-workspace.yaml`. */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The LLaMA SentencePiece vocabulary (32000 tokens): the shared fixture when present (`LLAMATS_SHARED`
 * or `../shared` beside the checkout), else the demo model committed in the repository, which has it too.
 */
export function defaultVocabularyPath(): string | undefined {
  const root = findRepoRoot();
  if (!root) return undefined;
  const shared = process.env.LLAMATS_SHARED ?? join(root, '..', 'shared');
  const candidates = [
    join(shared, 'fixtures', 'vocab', 'ggml-vocab-llama-spm.gguf'),
    join(root, 'fixtures', 'vocab', 'ggml-vocab-llama-spm.gguf'),
    join(root, 'models', 'stories-demo-Q8_0.gguf'),
  ];
  return candidates.find((p) => existsSync(p));
}

/** Reads every `tokenizer.ggml.*` key of a GGUF file. */
export async function readVocabulary(path?: string): Promise<Vocabulary> {
  const from = path ?? defaultVocabularyPath();
  if (!from) {
    throw new VocabularyError(
      'No vocabulary file found (../shared/fixtures/vocab/ggml-vocab-llama-spm.gguf or models/stories-demo-Q8_0.gguf); ' +
        'pass --vocab with any GGUF file that has a tokenizer',
    );
  }
  const gguf = await openGgufFile(from);
  try {
    const kv = gguf.kv.filter((e) => e.key.startsWith('tokenizer.ggml.'));
    const tokens = gguf.get('tokenizer.ggml.tokens');
    if (!isGgufArray(tokens) || tokens.values.length === 0) {
      throw new VocabularyError(`${from} has no tokenizer.ggml.tokens: pass a GGUF file with a vocabulary`, from);
    }
    return { path: from, kv, size: tokens.values.length };
  } finally {
    await gguf.close();
  }
}

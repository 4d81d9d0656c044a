/**
 * Bench prompts that every peer reads the same way: BOS followed by tokens that are whole lowercase words
 * of the vocabulary (`▁the`, `▁river`...), so the same text typed into a text-only API (wllama) tokenizes
 * back to the same ids.
 */
import { getNumber, getStringArray } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';

export interface BenchPrompt {
  /** BOS, then one id per word. */
  readonly tokens: number[];
  readonly words: string[];
}

const WORD = /^\u2581([a-z]{3,9})$/;

/** A deterministic prompt of `n` tokens (BOS included) from a SentencePiece vocabulary. */
export function benchPrompt(vocab: readonly string[], bos: number, n: number, seed = 12345): BenchPrompt {
  const candidates: number[] = [];
  for (let id = 0; id < vocab.length; id++) if (WORD.test(vocab[id])) candidates.push(id);
  if (candidates.length === 0) {
    throw new Error(
      'The vocabulary has no whole-word SentencePiece tokens (▁word); bench models use the LLaMA vocabulary',
    );
  }
  let s = seed >>> 0 || 1;
  const tokens = [bos];
  const words: string[] = [];
  for (let i = 1; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const id = candidates[s % candidates.length];
    tokens.push(id);
    words.push(WORD.exec(vocab[id])![1]);
  }
  return { tokens, words };
}

/** Reads a model's vocabulary and builds its bench prompt. */
export async function benchPromptFor(modelPath: string, n: number): Promise<BenchPrompt> {
  const gguf = await openGgufFile(modelPath);
  try {
    const vocab = getStringArray(gguf, 'tokenizer.ggml.tokens') ?? [];
    return benchPrompt(vocab, getNumber(gguf, 'tokenizer.ggml.bos_token_id') ?? 1, n);
  } finally {
    await gguf.close();
  }
}

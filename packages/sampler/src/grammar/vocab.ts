/**
 * The vocabulary as the grammar and DRY need it: each token's text as UTF-8 bytes (possibly a partial
 * character), which ids end generation, and a trie over the pieces. Built once per vocabulary object and
 * shared by every sampler that uses it.
 */
import { SamplerOptionError } from '../errors.js';
import { TokenTrie } from './token-trie.js';

export interface SamplerVocab {
  /**
   * The text each token id stands for, as bytes (UTF-8; byte tokens and byte-level BPE pieces may hold part of
   * a character) or as a string. Control tokens that produce no text must be empty.
   */
  readonly pieces: readonly (Uint8Array | string)[];
  /** End-of-generation token ids (EOS, EOT, ...). */
  readonly eog: Iterable<number>;
  /** Text → token ids, for DRY sequence breakers that span several tokens (optional). */
  tokenize?(text: string): number[];
}

export interface PreparedVocab {
  readonly size: number;
  readonly pieces: readonly Uint8Array[];
  readonly eog: ReadonlySet<number>;
  readonly isEog: Uint8Array;
  /** Built on first use (only grammars need it). */
  trie(): TokenTrie;
  /** Token texts decoded as strings (lossy for partial characters), built on first use. */
  texts(): readonly string[];
  readonly tokenize?: (text: string) => number[];
}

const prepared = new WeakMap<SamplerVocab, PreparedVocab>();
const encoder = new TextEncoder();

/** Validates and indexes a vocabulary (cached per object). */
export function prepareVocab(vocab: SamplerVocab): PreparedVocab {
  const hit = prepared.get(vocab);
  if (hit) return hit;
  if (!vocab || !Array.isArray(vocab.pieces)) throw new SamplerOptionError('vocab.pieces', vocab?.pieces, 'an array');
  const pieces = vocab.pieces.map((p, i) => {
    if (typeof p === 'string') return encoder.encode(p);
    if (p instanceof Uint8Array) return p;
    throw new SamplerOptionError(`vocab.pieces[${i}]`, p, 'a Uint8Array or a string');
  });
  const size = pieces.length;
  const eog = new Set<number>();
  const isEog = new Uint8Array(size);
  for (const id of vocab.eog) {
    if (!Number.isInteger(id) || id < 0 || id >= size)
      throw new SamplerOptionError('vocab.eog', id, `token ids below ${size}`);
    eog.add(id);
    isEog[id] = 1;
  }
  let trie: TokenTrie | undefined;
  let texts: string[] | undefined;
  const result: PreparedVocab = {
    size,
    pieces,
    eog,
    isEog,
    trie: () => {
      trie ??= TokenTrie.build(pieces.map((p, i) => (isEog[i] ? new Uint8Array(0) : p)));
      return trie;
    },
    texts: () => {
      const decoder = new TextDecoder();
      texts ??= pieces.map((p) => decoder.decode(p));
      return texts;
    },
    tokenize: vocab.tokenize?.bind(vocab),
  };
  prepared.set(vocab, result);
  return result;
}

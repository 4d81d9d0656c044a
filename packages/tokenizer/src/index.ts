export { BYTE_TO_CHAR, toByteLevel } from './bpe.js';
export * from './errors.js';
export { knownPreTokenizers, type PreTokenizer, preTokenizer } from './pre-tokenizers.js';
export { StreamDecoder } from './stream-decoder.js';
export { type DecodeOptions, type EncodeOptions, Tokenizer, type TokenizerOptions } from './tokenizer.js';
export { readVocab, type TokenizerModel, TokenType, type Vocab } from './vocab.js';

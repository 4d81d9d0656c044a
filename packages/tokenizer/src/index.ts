export { BYTE_TO_CHAR, byteLevelText } from './bpe.js';
export * from './errors.js';
export { knownPreTokenizers, type PreTokenizerType, preTokenizerType } from './pre-tokenizers.js';
export { type LeadingSpace, StreamDecoder } from './stream-decoder.js';
export {
  type DecodeOptions,
  type DetokenizeOptions,
  type EncodeOptions,
  Tokenizer,
  type TokenizerOptions,
} from './tokenizer.js';
export { type ReadVocabOptions, readVocab, TokenAttr, type TokenizerModel, TokenType, type Vocab } from './vocab.js';

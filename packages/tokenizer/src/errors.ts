/** Tokenizer errors. */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The GGUF metadata does not describe a tokenizer llamats supports. */
export class UnsupportedTokenizerError extends TokenizerError {}

/** A token id outside the vocabulary was given to decode. */
export class TokenIdError extends TokenizerError {
  constructor(
    readonly id: number,
    readonly vocabSize: number,
  ) {
    super(`Token id ${id} is outside the vocabulary (0..${vocabSize - 1})`);
  }
}

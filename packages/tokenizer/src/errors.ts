/** Base class of the errors this package throws. */
export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The GGUF metadata does not describe a tokenizer this package reads. */
export class UnsupportedTokenizerError extends TokenizerError {
  constructor(
    message: string,
    /** `tokenizer.ggml.model` as found (undefined when missing). */
    readonly model: string | undefined,
  ) {
    super(message);
  }
}

/** A token id outside the vocabulary (or not an integer) was given to decode or to a token query. */
export class TokenIdError extends TokenizerError {
  constructor(
    readonly id: number,
    readonly vocabSize: number,
  ) {
    super(
      `Token id ${id} is outside the vocabulary (0..${vocabSize - 1}): was it produced with another model's vocabulary?`,
    );
  }
}

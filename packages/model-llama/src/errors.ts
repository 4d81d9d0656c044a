/** Errors of the LLaMA model package. */

export class ModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The file asks for something this implementation does not run (architecture, tensor, rope scaling...). */
export class UnsupportedModelError extends ModelError {}

/** A tensor the architecture needs is missing or has the wrong shape. */
export class ModelTensorError extends ModelError {
  constructor(
    readonly tensor: string,
    message: string,
  ) {
    super(message);
  }
}

/** The context window is full and context shifting was not requested. */
export class ContextFullError extends ModelError {
  constructor(
    readonly nCtx: number,
    readonly needed: number,
  ) {
    super(
      `The context is full: ${needed} tokens do not fit in a context of ${nCtx}. ` +
        'Use a larger context size (nCtx / --ctx-size), a shorter prompt, or enable context shifting.',
    );
  }
}

/** Loading was cancelled through its AbortSignal. */
export class LoadAbortedError extends ModelError {}

/** Engine-level errors (the packages below have their own typed errors, which pass through). */
export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The prompt alone does not fit the context. */
export class PromptTooLongError extends EngineError {
  constructor(
    readonly promptTokens: number,
    readonly nCtx: number,
  ) {
    super(
      `The prompt is ${promptTokens} tokens but the context holds ${nCtx}. ` +
        'Shorten the prompt or raise the context size (nCtx / --ctx-size).',
    );
  }
}

/** No backend of the requested kind can run here. */
export class BackendUnavailableError extends EngineError {}

/**
 * Errors raised while compiling or rendering a chat template. Each carries what a caller needs to act:
 * the template's name (when known) and, for syntax errors, the underlying parser message.
 */

/** Base class of every error thrown by this package. */
export class ChatTemplateError extends Error {
  override name = 'ChatTemplateError';
}

/**
 * The template itself called `raise_exception(message)` (e.g. Gemma rejects a system message). Named after
 * jinja2's `TemplateError`, which transformers raises in the same situation, so `${e.name}: ${e.message}`
 * reads the same as Python's traceback line.
 */
export class TemplateError extends ChatTemplateError {
  override name = 'TemplateError';
}

/** The template text is not valid Jinja (as far as `@huggingface/jinja` parses it). */
export class TemplateSyntaxError extends ChatTemplateError {
  override name = 'TemplateSyntaxError';
  constructor(
    readonly templateName: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `Chat template ${templateName} cannot be parsed: ${detail}. Pass a named built-in instead ` +
        `(ChatTemplate.fromName) or fix the template text.`,
      options,
    );
  }
}

/** Rendering failed inside the Jinja runtime for a reason other than `raise_exception`. */
export class TemplateRenderError extends ChatTemplateError {
  override name = 'TemplateRenderError';
  constructor(
    readonly templateName: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `Chat template ${templateName} failed to render: ${detail}. Check the messages' shape ` +
        `({ role, content } objects) or use a named built-in template.`,
      options,
    );
  }
}

/** A built-in template name that does not exist. */
export class UnknownTemplateError extends ChatTemplateError {
  override name = 'UnknownTemplateError';
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(`Unknown chat template name "${requested}". Known names: ${known.join(', ')}.`);
  }
}

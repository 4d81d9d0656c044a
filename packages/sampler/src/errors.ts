/** Errors thrown by `@llamats/sampler`; each carries the offending option, position or token. */

/** Base class of every error thrown by this package. */
export class SamplerError extends Error {
  override name = 'SamplerError';
}

/** An option is out of range or of the wrong type. `option` names it as in `SamplerOptions`. */
export class SamplerOptionError extends SamplerError {
  override name = 'SamplerOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Sampler option ${option} = ${formatValue(value)} is invalid: expected ${expected}.`);
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return String(v);
}

/** A GBNF grammar does not parse. `line` and `column` are 1-based and point into the grammar text. */
export class GrammarSyntaxError extends SamplerError {
  override name = 'GrammarSyntaxError';
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
    readonly offset: number,
  ) {
    super(`GBNF syntax error at line ${line}, column ${column}: ${detail}`);
  }
}

/** A grammar parses but cannot be used (undefined rule, missing root, left recursion, ...). */
export class GrammarError extends SamplerError {
  override name = 'GrammarError';
}

/** `accept(token)` was given a token the grammar does not allow at this point. */
export class GrammarRejectedTokenError extends SamplerError {
  override name = 'GrammarRejectedTokenError';
  constructor(
    readonly token: number,
    readonly piece: string,
  ) {
    super(
      `Token ${token} (${JSON.stringify(piece)}) does not continue a string the grammar accepts. Sample with the ` +
        'grammar-constrained sampler, or reset it before reusing it for another output.',
    );
  }
}

/** A JSON schema uses a construct the converter does not support, or is malformed. `path` is a JSON pointer. */
export class JsonSchemaError extends SamplerError {
  override name = 'JsonSchemaError';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`JSON schema at ${path || '#'}: ${detail}`);
  }
}

/**
 * How the CLI reports failure: one line `error: <message>` on stderr and a non-zero exit code. The packages
 * throw typed errors whose messages already say what to do; the CLI adds its own for bad usage.
 */
import { CommanderError } from 'commander';

/** A problem with how the command was called or with its inputs (bad flag value, missing file...). */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code (2 for usage errors, as most CLIs do). */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A bad flag or argument value. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The user stopped the command (Ctrl-C). */
export class InterruptedError extends CliError {
  constructor() {
    super('interrupted', 130);
    this.name = 'InterruptedError';
  }
}

/** The message to print for any thrown value, with its causes when they add something. */
export function errorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  let msg = e.message || e.name;
  const cause = e.cause;
  if (cause instanceof Error && cause.message && !msg.includes(cause.message)) msg += ` (${cause.message})`;
  return msg.replace(/\s*\n\s*/g, ' ');
}

/** Exit code for a thrown value. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CliError) return e.exitCode;
  if (e instanceof CommanderError) return e.exitCode || 2;
  if (e instanceof Error && e.name === 'AbortError') return 130;
  return 1;
}

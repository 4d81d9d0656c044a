/** What every command gets: output streams with their styles, the verbosity, and a Ctrl-C signal. */
import { type Style, styleFor } from './style.js';

export interface CommandContext {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  /** Styles for stdout and stderr (colour only on terminals without NO_COLOR). */
  readonly out: Style;
  readonly err: Style;
  readonly verbose: boolean;
  /** Aborted by the first Ctrl-C (a second one exits at once). */
  readonly signal: AbortSignal;
  /** A line on stdout. */
  print(line?: string): void;
  /** A status line on stderr (never mixed into stdout, which scripts read). */
  note(line: string): void;
  /** Removes the default Ctrl-C handling, for a command that handles SIGINT itself (chat). */
  takeOverInterrupts(): void;
}

export function createContext(options: {
  verbose: boolean;
  signal: AbortSignal;
  releaseInterrupts(): void;
}): CommandContext {
  const { stdout, stderr, stdin } = process;
  const err = styleFor(stderr);
  return {
    stdout,
    stderr,
    stdin,
    out: styleFor(stdout),
    err,
    verbose: options.verbose,
    signal: options.signal,
    print: (line = '') => void stdout.write(`${line}\n`),
    note: (line) => void stderr.write(`${err.dim(line)}\n`),
    takeOverInterrupts: options.releaseInterrupts,
  };
}

/**
 * An AbortSignal for Ctrl-C: the first SIGINT aborts it (commands stop cleanly and keep partial results),
 * a second one exits at once with status 130.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort(new DOMException('Interrupted', 'AbortError'));
  };
  process.on('SIGINT', onSigint);
  return { signal: ac.signal, dispose: () => void process.off('SIGINT', onSigint) };
}

/**
 * Lets the event loop run (signals, keypresses). The engine's compute path never leaves the microtask queue,
 * so a loop over generated pieces awaits this between pieces to stay responsive to Ctrl-C.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The `llamats` program: global flags, the commands, and the one place where errors become an exit code. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerChat } from './commands/chat.js';
import { registerCompletion } from './commands/completion.js';
import { registerInspect } from './commands/inspect.js';
import { registerPerplexity } from './commands/perplexity.js';
import { registerQuantize } from './commands/quantize.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerTokenize } from './commands/tokenize.js';
import { type CommandContext, createContext, interruptSignal } from './context.js';
import { errorMessage, exitCodeOf } from './errors.js';
import { styleFor } from './style.js';

export const version: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export type CommandRunner = (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>;

/** Builds the program; `run` executes a command body with the shared context. */
export function buildProgram(run: CommandRunner): Command {
  const program = new Command('llamats')
    .description('Run LLaMA-family GGUF models locally, in TypeScript.')
    .version(version, '-V, --version', 'print the version')
    .option('--verbose', 'print details, and stack traces on errors')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nMODEL is a .gguf path, an http(s) URL (downloaded into $LLAMATS_CACHE, default ~/.cache/llamats),\n' +
        'or the name of a cached file. Without MODEL, run and chat use the demo model (or $LLAMATS_MODEL).\n\n' +
        'Examples:\n  llamats run\n  llamats chat model.gguf\n  llamats inspect model.gguf --json',
    );
  for (const register of [
    registerRun,
    registerChat,
    registerServe,
    registerBench,
    registerPerplexity,
    registerInspect,
    registerTokenize,
    registerQuantize,
    registerCompletion,
  ]) {
    register(program, run);
  }
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`); resolves with the exit code. Never throws. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const interrupt = interruptSignal();
  const ctx = createContext({ verbose, signal: interrupt.signal, releaseInterrupts: interrupt.dispose });
  const err = styleFor(process.stderr);
  const program = buildProgram((fn) => fn(ctx));
  program.exitOverride().configureOutput({
    writeOut: (s) => void process.stdout.write(s),
    writeErr: (s) => void process.stderr.write(s),
    outputError: (s, write) => write(s.replace(/^error:/, err.red('error:'))),
  });
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    // Commander has already printed its own usage errors (and help/version, which exit 0).
    // (No command at all shows the help on stderr and exits 1, as commander does.)
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : e.code === 'commander.help' ? 1 : 2;
    const code = exitCodeOf(e);
    if (code === 130 && !verbose) {
      process.stderr.write(`${err.dim('interrupted')}\n`);
      return code;
    }
    process.stderr.write(`${err.red('error:')} ${errorMessage(e)}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${err.dim(e.stack)}\n`);
    return code;
  } finally {
    interrupt.dispose();
  }
}

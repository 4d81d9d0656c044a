#!/usr/bin/env node
/** Entry point of `pnpm bench:peers` (flags: see {@link USAGE}). */
import { runBenchCli, UsageError } from './cli.js';
import { killChildren } from './peers/index.js';

// `pnpm run x -- --flag` passes the `--` through: drop it.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();

const controller = new AbortController();
const stop = () => {
  controller.abort();
  killChildren();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
process.once('exit', killChildren);

runBenchCli(
  argv,
  { out: (text) => process.stdout.write(`${text}\n`), log: (line) => process.stderr.write(`${line}\n`) },
  controller.signal,
).then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    if (e instanceof UsageError) process.stderr.write('Run with --help for the flags.\n');
    killChildren();
    process.exit(1);
  },
);

#!/usr/bin/env node
/** Entry point of `make-model` (see {@link runCli} for the flags). */
import { runCli, UsageError } from './cli.js';

// `pnpm run x -- --flag` passes the `--` through: drop it.
const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
runCli(
  argv,
  {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true,
  },
  controller.signal,
).catch((e: unknown) => {
  process.stderr.write(`make-model: ${e instanceof Error ? e.message : String(e)}\n`);
  if (!(e instanceof UsageError)) process.stderr.write('Run make-model --help for the flags.\n');
  process.exitCode = 1;
});

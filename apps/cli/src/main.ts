#!/usr/bin/env node
/** The `llamats` executable. */
import { runCli } from './program.js';

const code = await runCli(process.argv);
// Let piped output drain before leaving; `process.exit` also stops any worker a command left behind.
process.stdout.write('', () => process.exit(code));

export { DEFAULT_PROMPT } from './commands/run.js';
export { buildProgram, runCli, version } from './program.js';

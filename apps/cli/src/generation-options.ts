/**
 * The sampling and context flags shared by `run` and `chat`, and their translation to the engine's
 * `GenerateOptions`. Defaults are llama.cpp's (the sampler applies them when a flag is absent).
 */
import { readFile } from 'node:fs/promises';
import type { GenerateOptions } from '@llamats/engine';
import type { Command } from 'commander';
import { CliError, UsageError } from './errors.js';
import { type BackendName, backendArg, collect, floatArg, intArg, threadsArg } from './options.js';

export interface ModelFlags {
  ctxSize?: number;
  threads?: number | 'auto';
  backend?: BackendName;
}

export interface SamplingFlags {
  temp?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  seed?: number;
  nPredict?: number;
  stop?: string[];
  grammarFile?: string;
  jsonSchema?: string;
  ignoreEos?: boolean;
}

/** Adds `--ctx-size --threads --backend`. */
export function addModelFlags(cmd: Command): Command {
  return cmd
    .option(
      '-c, --ctx-size <n>',
      "context size in tokens (default: the model's, capped to keep the KV cache small)",
      intArg(8, 1 << 20),
    )
    .option('-t, --threads <n>', 'compute threads for the wasm backend, or "auto"', threadsArg)
    .option('--backend <name>', 'wasm | webgpu | auto | reference', backendArg, 'auto' as BackendName);
}

/** Adds the sampling flags. */
export function addSamplingFlags(cmd: Command, nPredictDefault: number): Command {
  return cmd
    .option('--temp <t>', 'temperature; 0 = greedy (default 0.8)', floatArg(0, 100))
    .option('--top-k <k>', 'keep the k most likely tokens; 0 = off (default 40)', intArg(0, 1 << 24))
    .option('--top-p <p>', 'nucleus probability; 1 = off (default 0.95)', floatArg(0, 1))
    .option('--min-p <p>', 'minimum probability relative to the best token; 0 = off (default 0.05)', floatArg(0, 1))
    .option('--repeat-penalty <x>', 'penalty for repeating recent tokens; 1 = off (default 1)', floatArg(0, 100))
    .option('-s, --seed <n>', 'random seed (default: random)', intArg(0, 0xffffffff))
    .option('-n, --n-predict <n>', 'tokens to generate; -1 = until the context is full', intArg(-1), nPredictDefault)
    .option('--stop <text>', 'stop before this text (repeatable)', collect)
    .option('--ignore-eos', 'never end at an end-of-generation token (generate -n tokens)')
    .option('--grammar-file <file>', 'constrain output with a GBNF grammar file')
    .option('--json-schema <schema>', 'constrain output to JSON matching a schema (inline JSON or a file path)');
}

async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(
      `Cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
}

/** Translates the flags; reads the grammar and schema files. */
export async function generateOptionsFrom(flags: SamplingFlags, signal: AbortSignal): Promise<GenerateOptions> {
  const options: Record<string, unknown> = {
    maxTokens: flags.nPredict,
    stop: flags.stop,
    signal,
  };
  const sampling: Record<string, number | undefined> = {
    temperature: flags.temp,
    topK: flags.topK,
    topP: flags.topP,
    minP: flags.minP,
    repeatPenalty: flags.repeatPenalty,
    seed: flags.seed,
  };
  for (const [k, v] of Object.entries(sampling)) if (v !== undefined) options[k] = v;
  if (flags.ignoreEos) options.ignoreEos = true;
  if (flags.grammarFile) options.grammar = await readTextFile(flags.grammarFile, 'grammar file');
  if (flags.jsonSchema) {
    const text = flags.jsonSchema.trim().startsWith('{')
      ? flags.jsonSchema
      : await readTextFile(flags.jsonSchema, 'JSON schema file');
    try {
      options.jsonSchema = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--json-schema is not valid JSON: ${(e as Error).message}`);
    }
  }
  return options as GenerateOptions;
}

/**
 * The `make-model` command line: parses flags into {@link MakeModelOptions}, shows progress on stderr, and
 * prints the path of each file written (or kept) on stdout.
 */
import { parseArgs } from 'node:util';
import { llamaFileTypes } from '@llamats/model-llama';
import { defaultModelsDir, type MadeModel, makeModel } from './make-model.js';
import { customShape, namedShape, namedShapes } from './shapes.js';

export const USAGE = `Usage: make-model --shape NAME --type TYPE[,TYPE...] [options]

Writes random-weight LLaMA GGUF files with a real vocabulary, for benchmarks.

  --shape NAME       ${Object.keys(namedShapes).join(' | ')} (default tinyllama-shape)
  --type LIST        llama.cpp file types, comma-separated (default Q4_K_M):
                     ${llamaFileTypes.map((t) => t.name).join(' ')}
  --out DIR          output folder (default ${defaultModelsDir()})
  --vocab FILE       GGUF whose tokenizer.ggml.* keys are copied (default: LLaMA SentencePiece, 32000 tokens)
  --seed N           generator seed (default 1)
  --std X            weight standard deviation (default 0.02)
  --exact            quantize every value afresh (slow) instead of reusing a pool of quantized blocks
  --force            rewrite even if a file of the right size exists
  --n-embd N --n-layer N --n-head N --n-head-kv N --n-ff N --n-ctx N
                     override dimensions of the shape (the file name says which)
  --json             print a JSON summary per file instead of the path
  -h, --help

Example: make-model --shape tinyllama-shape --type Q4_K_M,Q8_0,Q4_0`;

type Dim = 'nEmbd' | 'nLayer' | 'nHead' | 'nHeadKv' | 'nFf' | 'nCtx';

const DIM_FLAGS: ReadonlyArray<readonly [string, Dim]> = [
  ['n-embd', 'nEmbd'],
  ['n-layer', 'nLayer'],
  ['n-head', 'nHead'],
  ['n-head-kv', 'nHeadKv'],
  ['n-ff', 'nFf'],
  ['n-ctx', 'nCtx'],
];

/** Thrown for bad command-line input; the message says what to change. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} needs a non-negative integer, got "${v}"`);
  return n;
}

export interface CliIo {
  out(line: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress is redrawn in place then). */
  tty: boolean;
}

/** Runs the command with `argv` (without `node script`); resolves with the models made. */
export async function runCli(argv: readonly string[], io: CliIo, signal?: AbortSignal): Promise<MadeModel[]> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      shape: { type: 'string', default: 'tinyllama-shape' },
      type: { type: 'string', default: 'Q4_K_M' },
      out: { type: 'string' },
      vocab: { type: 'string' },
      seed: { type: 'string' },
      std: { type: 'string' },
      exact: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...Object.fromEntries(DIM_FLAGS.map(([flag]) => [flag, { type: 'string' as const }])),
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    io.out(USAGE);
    return [];
  }
  const dims: Partial<Record<Dim, number>> = {};
  const flags = values as Record<string, unknown>;
  for (const [flag, key] of DIM_FLAGS) {
    const v = intFlag(flag, flags[flag] as string | undefined);
    if (v !== undefined) dims[key] = v;
  }
  const base = namedShape(values.shape!);
  const shape = Object.keys(dims).length > 0 ? customShape(base, dims) : base;
  const std = values.std === undefined ? undefined : Number(values.std);
  if (std !== undefined && !(std > 0)) throw new UsageError(`--std needs a positive number, got "${values.std}"`);
  const made: MadeModel[] = [];
  for (const type of values.type!.split(',').filter(Boolean)) {
    let last = 0;
    const m = await makeModel({
      shape,
      type,
      outDir: values.out,
      vocab: values.vocab,
      seed: intFlag('seed', values.seed),
      std,
      exact: values.exact,
      force: values.force,
      signal,
      onProgress: ({ bytesWritten, totalBytes }) => {
        const now = performance.now();
        if (now - last < 500 && bytesWritten < totalBytes) return;
        last = now;
        const pct = ((100 * bytesWritten) / totalBytes).toFixed(0);
        const line = `${shape.name} ${type}: ${pct}% of ${(totalBytes / 2 ** 20).toFixed(0)} MiB`;
        io.err(io.tty ? `\r${line}` : `${line}\n`);
      },
    });
    if (io.tty && !m.reused) io.err('\n');
    made.push(m);
    if (values.json) {
      io.out(JSON.stringify({ ...m, shape: m.shape, fileType: m.fileType.name }));
    } else {
      const note = m.reused ? 'kept (right size)' : `written in ${m.seconds.toFixed(1)} s`;
      io.err(`${m.path}: ${(m.bytes / 2 ** 20).toFixed(1)} MiB, ${note}\n`);
      io.out(m.path);
    }
  }
  return made;
}

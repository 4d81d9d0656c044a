/** `llamats run [MODEL] -p PROMPT`: one streamed completion. */
import { readFile } from 'node:fs/promises';
import type { Generation } from '@llamats/engine';
import type { Command } from 'commander';
import { type CommandContext, nextTurn } from '../context.js';
import { CliError, InterruptedError, UsageError } from '../errors.js';
import {
  addModelFlags,
  addSamplingFlags,
  generateOptionsFrom,
  type ModelFlags,
  type SamplingFlags,
} from '../generation-options.js';
import { loadModelFor } from '../load.js';

/** With no prompt, `llamats run` tells a story with the demo model. */
export const DEFAULT_PROMPT = 'Once upon a time';

interface RunOptions extends ModelFlags, SamplingFlags {
  prompt?: string;
  file?: string;
  system?: string;
  template?: string;
  json?: boolean;
  echo?: boolean;
  bos?: boolean;
  parseSpecial?: boolean;
}

export function registerRun(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  const cmd = program
    .command('run')
    .description('generate a completion of a prompt, streamed to stdout')
    .argument('[model]', 'path, URL or cached model name (default: the demo model, or $LLAMATS_MODEL)')
    .option('-p, --prompt <text>', `the prompt (default "${DEFAULT_PROMPT}")`)
    .option('-f, --file <file>', 'read the prompt from a file')
    .option('--system <text>', 'format the prompt as a chat turn with this system prompt')
    .option('--template <name>', 'format the prompt as a chat turn with this template (built-in name or Jinja text)')
    .option('--json', 'print one JSON object: generated token ids, text, prompt tokens, timings')
    .option('--no-echo', 'do not print the prompt before the completion')
    .option('--no-bos', 'do not add BOS/EOS tokens to the prompt')
    .option('--parse-special', 'recognise special-token text such as <s> in the prompt');
  addSamplingFlags(addModelFlags(cmd), 256)
    .addHelpText(
      'after',
      '\nExamples:\n  llamats run                                   # a story from the demo model\n' +
        '  llamats run model.gguf -p "The capital of France is" --temp 0 -n 16\n' +
        '  llamats run model.gguf --system "Answer briefly." -p "What is GGUF?"',
    )
    .action((model: string | undefined, opts: RunOptions) => run((ctx) => runCommand(ctx, model, opts)));
}

async function promptFrom(opts: RunOptions): Promise<string> {
  if (opts.prompt !== undefined && opts.file !== undefined)
    throw new UsageError('Give the prompt with -p or -f, not both');
  if (opts.file !== undefined) {
    try {
      return await readFile(opts.file, 'utf8');
    } catch (e) {
      throw new CliError(
        `Cannot read prompt file ${opts.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
  }
  return opts.prompt ?? DEFAULT_PROMPT;
}

async function runCommand(ctx: CommandContext, modelRef: string | undefined, opts: RunOptions): Promise<void> {
  const prompt = await promptFrom(opts);
  const genOptions = await generateOptionsFrom(opts, ctx.signal);
  const { model, loadMs } = await loadModelFor(ctx, modelRef, opts);
  try {
    const asChat = opts.system !== undefined || opts.template !== undefined;
    let gen: Generation;
    // The prompt's token ids (plain completions; a chat turn's come from the template inside the engine).
    let promptIds: number[] | undefined;
    if (asChat) {
      const chat = model.chat({ system: opts.system, template: opts.template, session: { nCtx: opts.ctxSize } });
      gen = chat.send(prompt, genOptions);
    } else {
      promptIds = model.tokenize(prompt, { addSpecial: opts.bos !== false, parseSpecial: !!opts.parseSpecial });
      gen = model.createSession({ nCtx: opts.ctxSize }).generate(promptIds, genOptions);
    }
    const streaming = !opts.json;
    if (streaming && opts.echo !== false && !asChat) ctx.stdout.write(ctx.out.dim(prompt));
    for await (const piece of gen) {
      if (streaming) ctx.stdout.write(piece.text);
      await nextTurn();
    }
    const r = await gen.result;
    if (opts.json) {
      ctx.print(
        JSON.stringify({
          text: r.text,
          tokens: r.tokens,
          prompt_tokens: r.promptTokens,
          prompt_ids: promptIds,
          finish_reason: r.finishReason,
          timings: {
            load_ms: loadMs,
            prompt_ms: r.timings.promptMs,
            generate_ms: r.timings.generateMs,
            prompt_tokens_per_second: r.timings.promptTokensPerSecond,
            generated_tokens_per_second: r.timings.generatedTokensPerSecond,
          },
        }),
      );
    } else {
      ctx.stdout.write('\n');
      if (ctx.verbose || ctx.stderr.isTTY) {
        const t = r.timings;
        ctx.note(
          `prompt ${r.promptTokens} tokens (${t.promptTokensPerSecond.toFixed(1)} t/s), ` +
            `generated ${r.tokens.length} tokens (${t.generatedTokensPerSecond.toFixed(1)} t/s), stop: ${r.finishReason}`,
        );
      }
    }
    if (r.finishReason === 'abort') throw new InterruptedError();
  } finally {
    await model.dispose();
  }
}

/** `llamats perplexity MODEL -f TEXT --ctx-size N`: llama-perplexity's measure, with running values. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { addModelFlags, type ModelFlags } from '../generation-options.js';
import { loadModelFor } from '../load.js';
import { progressBar } from '../progress.js';

interface PerplexityOptions extends ModelFlags {
  file?: string;
  json?: boolean;
}

export function registerPerplexity(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  const cmd = program
    .command('perplexity')
    .description('perplexity of a text as llama-perplexity computes it (windows of --ctx-size, second half scored)')
    .argument('[model]', 'path, URL or cached model name (default: the demo model)')
    .requiredOption('-f, --file <file>', 'the text to score');
  addModelFlags(cmd)
    .option('--json', 'print { "ppl": ..., "chunks": [running values] }')
    .addHelpText('after', '\nExample:\n  llamats perplexity model.gguf -f wiki.test.raw --ctx-size 512')
    .action((model: string | undefined, opts: PerplexityOptions) =>
      run(async (ctx) => {
        let text: string;
        try {
          text = await readFile(opts.file!, 'utf8');
        } catch (e) {
          throw new CliError(
            `Cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
          );
        }
        const { model: m } = await loadModelFor(ctx, model, opts);
        // The compute loop never yields to the event loop, so a SIGINT handler would not run before the end:
        // leave Ctrl-C its default action (the process ends at once).
        ctx.takeOverInterrupts();
        try {
          const nCtx = opts.ctxSize ?? 512;
          if (nCtx < 4) throw new UsageError('--ctx-size must be at least 4 for perplexity');
          const bar = progressBar({ title: 'perplexity', unit: 'count' });
          const t0 = performance.now();
          const running: string[] = [];
          const result = await m.perplexity(text, {
            nCtx,
            signal: ctx.signal,
            onChunk: (chunk, n, ppl) => {
              bar.update(chunk, n, `ppl ${ppl.toFixed(4)}`);
              if (!opts.json) {
                running.push(`[${chunk}]${ppl.toFixed(4)}`);
                // Without a terminal bar, the running values are the progress (as llama-perplexity prints them).
                if (!ctx.stderr.isTTY) ctx.stderr.write(`[${chunk}]${ppl.toFixed(4)},`);
              }
            },
          });
          bar.done();
          const seconds = (performance.now() - t0) / 1000;
          if (opts.json) {
            ctx.print(
              JSON.stringify({ ppl: result.ppl, chunks: result.chunks, scored: result.scored, n_ctx: nCtx, seconds }),
            );
          } else {
            if (!ctx.stderr.isTTY) ctx.stderr.write('\n');
            else ctx.note(running.join(','));
            ctx.print(
              `Final estimate: PPL = ${result.ppl.toFixed(4)} (${result.chunks.length} chunks of ${nCtx}, ${result.scored} scored tokens, ${seconds.toFixed(1)} s)`,
            );
          }
        } finally {
          await m.dispose();
        }
      }),
    );
}

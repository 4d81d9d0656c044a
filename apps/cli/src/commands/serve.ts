/** `llamats serve [MODEL]`: the OpenAI-compatible HTTP server of `@llamats/server` on one model. */
import { basename } from 'node:path';
import { startServer } from '@llamats/server';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { addModelFlags, type ModelFlags } from '../generation-options.js';
import { loadModelFor } from '../load.js';
import { intArg } from '../options.js';

interface ServeOptions extends ModelFlags {
  host: string;
  port: number;
  apiKey?: string;
  parallel: number;
  template?: string;
}

export function registerServe(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  const cmd = program
    .command('serve')
    .description('serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions)')
    .argument('[model]', 'path, URL or cached model name (default: the demo model, or $LLAMATS_MODEL)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', intArg(0, 65535), 8080)
    .option('--api-key <key>', 'require "Authorization: Bearer KEY" (default: $LLAMATS_API_KEY, else no key)')
    .option('--parallel <n>', 'requests generating at once, each with its own KV cache', intArg(1, 64), 1)
    .option('--template <name>', "chat template: a built-in name or Jinja text (default: the model's own)");
  addModelFlags(cmd)
    .addHelpText(
      'after',
      '\nThe first line on stdout is the URL. Ctrl-C (or SIGTERM) stops the server.\n\n' +
        'Examples:\n  llamats serve                                 # the demo model on http://127.0.0.1:8080\n' +
        '  llamats serve model.gguf --port 8000 --api-key secret -c 4096\n' +
        '  curl http://127.0.0.1:8080/v1/chat/completions -H "Content-Type: application/json" \\\n' +
        '    -d \'{"messages":[{"role":"user","content":"Hello"}]}\'',
    )
    .action((model: string | undefined, opts: ServeOptions) => run((ctx) => serveCommand(ctx, model, opts)));
}

async function serveCommand(ctx: CommandContext, modelRef: string | undefined, opts: ServeOptions): Promise<void> {
  const { model, path } = await loadModelFor(ctx, modelRef, opts);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      model,
      modelId: basename(path).replace(/\.gguf$/i, ''),
      host: opts.host,
      port: opts.port,
      apiKey: opts.apiKey ?? (process.env.LLAMATS_API_KEY || undefined),
      parallel: opts.parallel,
      session: opts.ctxSize ? { nCtx: opts.ctxSize } : undefined,
      chatTemplate: opts.template,
      log: ctx.verbose ? (line) => ctx.note(line) : undefined,
    });
  } catch (e) {
    await model.dispose();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`${opts.host}:${opts.port} is already in use; pick another --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new CliError(`Cannot listen on ${opts.host}: no such local address`);
    throw e;
  }
  ctx.print(server.url);
  ctx.note(`serving ${server.modelId} (OpenAI API at ${server.url}/v1); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      ctx.signal.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    ctx.signal.addEventListener('abort', stop);
    if (ctx.signal.aborted) stop();
  });
  ctx.note('stopping');
  try {
    await server.close();
  } finally {
    await model.dispose();
  }
}

/** `llamats tokenize MODEL TEXT`: token ids and pieces, from the vocabulary alone (vocab-only files work). */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@llamats/tokenizer';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { openGgufHeader } from '../gguf-open.js';

interface TokenizeOptions {
  file?: string;
  bos?: boolean;
  parseSpecial?: boolean;
  json?: boolean;
  ids?: boolean;
}

export function registerTokenize(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  program
    .command('tokenize')
    .description("tokenize text with a model's vocabulary (weights are not read; vocab-only GGUF files work)")
    .argument('<model>', 'path, URL or cached model name')
    .argument('[text]', 'the text (or -f FILE, or stdin)')
    .option('-f, --file <file>', 'read the text from a file')
    .option('--no-bos', 'do not add BOS/EOS tokens')
    .option('--parse-special', 'recognise special-token text such as <s> in the input')
    .option('--ids', 'print only the ids, as a list')
    .option('--json', 'print the id array as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  llamats tokenize model.gguf "Hello world"\n  llamats tokenize model.gguf -f prompt.txt --json',
    )
    .action((model: string, text: string | undefined, opts: TokenizeOptions) =>
      run(async (ctx) => {
        const input = await textFrom(ctx, text, opts);
        const opened = await openGgufHeader(model, { signal: ctx.signal });
        try {
          const tokenizer = Tokenizer.fromGguf(opened.gguf);
          const ids = Array.from(
            tokenizer.encode(input, { addSpecial: opts.bos !== false, parseSpecial: !!opts.parseSpecial }),
          );
          if (opts.json) ctx.print(JSON.stringify(ids));
          else if (opts.ids) ctx.print(`[${ids.join(', ')}]`);
          else {
            const width = String(Math.max(0, ...ids)).length;
            for (const id of ids)
              ctx.print(`${String(id).padStart(width)} -> ${ctx.out.cyan(JSON.stringify(tokenizer.tokenToPiece(id)))}`);
            ctx.note(`${ids.length} tokens`);
          }
        } finally {
          await opened.close();
        }
      }),
    );
}

async function textFrom(ctx: CommandContext, text: string | undefined, opts: TokenizeOptions): Promise<string> {
  if (text !== undefined && opts.file !== undefined)
    throw new UsageError('Give the text as an argument or with -f, not both');
  if (opts.file !== undefined) {
    try {
      return await readFile(opts.file, 'utf8');
    } catch (e) {
      throw new CliError(
        `Cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
  }
  if (text !== undefined && text !== '-') return text;
  if (ctx.stdin.isTTY) throw new UsageError('No text to tokenize: pass it as an argument, with -f FILE, or on stdin');
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

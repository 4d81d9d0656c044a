/**
 * `llamats chat [MODEL]`: an interactive conversation through the engine's `Chat` (the model's template,
 * history kept in the KV cache between turns). Reads one message per line, so it also works with piped
 * stdin. Ctrl-C stops the current reply; at the prompt it exits.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Chat, GenerateOptions } from '@llamats/engine';
import type { Command } from 'commander';
import { decodeChatFile, encodeChatFile } from '../chat-file.js';
import { type CommandContext, nextTurn } from '../context.js';
import { errorMessage } from '../errors.js';
import {
  addModelFlags,
  addSamplingFlags,
  generateOptionsFrom,
  type ModelFlags,
  type SamplingFlags,
} from '../generation-options.js';
import { loadModelFor } from '../load.js';

interface ChatOptions extends ModelFlags, SamplingFlags {
  system?: string;
  template?: string;
}

const HELP = `commands:
  /reset          forget the conversation (the system prompt stays)
  /system TEXT    set the system prompt (empty: remove it)
  /save FILE      save the conversation and its KV cache
  /load FILE      load a conversation saved with /save
  /help           this list
  /exit           leave (also Ctrl-D, or Ctrl-C at the prompt)
Ctrl-C while the model writes stops the reply.`;

export function registerChat(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  const cmd = program
    .command('chat')
    .description('chat with a model using its chat template; history stays in the KV cache between turns')
    .argument('[model]', 'path, URL or cached model name (default: the demo model, or $LLAMATS_MODEL)')
    .option('--system <text>', 'system prompt')
    .option(
      '--template <name>',
      "chat template: a built-in name (chatml, llama2, llama3, ...) or Jinja text; default: the model's",
    );
  addSamplingFlags(addModelFlags(cmd), -1)
    .addHelpText(
      'after',
      `\nIn the chat:\n${HELP.replace(/^/gm, '  ')}\n\nExamples:\n  llamats chat model.gguf --system "You are a pirate."\n  printf 'Hi!\\nTell me a joke.\\n' | llamats chat model.gguf`,
    )
    .action((model: string | undefined, opts: ChatOptions) => run((ctx) => chatCommand(ctx, model, opts)));
}

async function chatCommand(ctx: CommandContext, modelRef: string | undefined, opts: ChatOptions): Promise<void> {
  ctx.takeOverInterrupts();
  const { model, path } = await loadModelFor(ctx, modelRef, opts);
  const interactive = !!ctx.stdin.isTTY;
  const chat = model.chat({ system: opts.system, template: opts.template, session: { nCtx: opts.ctxSize } });
  const rl = createInterface({ input: ctx.stdin, output: ctx.stdout, terminal: interactive });
  let reply: AbortController | undefined;
  let closed = false;
  const onInterrupt = () => {
    if (reply) reply.abort();
    else {
      closed = true;
      rl.close();
    }
  };
  // In a terminal readline turns Ctrl-C into its own event; with piped input the process gets SIGINT.
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  rl.on('close', () => {
    closed = true;
  });
  const prompt = () => {
    if (interactive && !closed) {
      rl.setPrompt(ctx.out.green('> '));
      rl.prompt();
    }
  };
  if (interactive)
    ctx.note(`chatting with ${basename(path)}; /help for commands, Ctrl-C stops a reply, Ctrl-C at the prompt exits`);
  try {
    prompt();
    for await (const raw of rl) {
      const line = raw.trim();
      if (line.startsWith('/')) {
        const done = await slashCommand(ctx, chat, path, line);
        if (done) break;
      } else if (line !== '') {
        reply = new AbortController();
        await sendTurn(ctx, chat, line, { ...(await generateOptionsFrom(opts, reply.signal)), signal: reply.signal });
        reply = undefined;
      }
      prompt();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    rl.close();
    if (interactive) ctx.stdout.write('\n');
    await model.dispose();
  }
}

async function sendTurn(ctx: CommandContext, chat: Chat, text: string, options: GenerateOptions): Promise<void> {
  const before = chat.messages.length;
  try {
    const gen = chat.send(text, options);
    for await (const piece of gen) {
      ctx.stdout.write(piece.text);
      await nextTurn();
    }
    const r = await gen.result;
    ctx.stdout.write('\n');
    if (r.finishReason === 'abort') ctx.note('(stopped)');
    else if (r.finishReason === 'context')
      ctx.note('(the context is full: /reset to start over, or use a larger --ctx-size)');
    if (ctx.verbose) {
      ctx.note(
        `prompt ${r.promptTokensEvaluated}/${r.promptTokens} tokens evaluated, ${r.tokens.length} generated (${r.timings.generatedTokensPerSecond.toFixed(1)} t/s)`,
      );
    }
  } catch (e) {
    // A failed turn leaves no trace in the history, so the conversation can go on.
    chat.messages.length = Math.min(chat.messages.length, before);
    // Ctrl-C while the prompt was still being evaluated ends the turn like one during the reply.
    if (options.signal?.aborted) ctx.note('\n(stopped)');
    else ctx.stderr.write(`${ctx.err.red('error:')} ${errorMessage(e)}\n`);
  }
}

/** Runs a slash command; true when the chat should end. */
async function slashCommand(ctx: CommandContext, chat: Chat, path: string, line: string): Promise<boolean> {
  const space = line.indexOf(' ');
  const name = (space < 0 ? line : line.slice(0, space)).toLowerCase();
  const arg = space < 0 ? '' : line.slice(space + 1).trim();
  try {
    switch (name) {
      case '/exit':
      case '/quit':
        return true;
      case '/help':
        ctx.note(HELP);
        return false;
      case '/reset':
        chat.reset();
        ctx.note('(conversation cleared)');
        return false;
      case '/system':
        chat.setSystem(arg || undefined);
        ctx.note(arg ? '(system prompt set)' : '(system prompt removed)');
        return false;
      case '/save': {
        if (!arg) throw new Error('usage: /save FILE');
        const bytes = encodeChatFile({
          model: basename(path),
          messages: [...chat.messages],
          session: await chat.session.save(),
        });
        await writeFile(arg, bytes);
        ctx.note(`(saved ${chat.messages.length} messages to ${arg})`);
        return false;
      }
      case '/load': {
        if (!arg) throw new Error('usage: /load FILE');
        const saved = decodeChatFile(new Uint8Array(await readFile(arg)), arg);
        chat.session.load(saved.session);
        chat.messages.splice(0, chat.messages.length, ...saved.messages);
        ctx.note(
          `(loaded ${saved.messages.length} messages from ${arg}${saved.model && saved.model !== basename(path) ? `, saved with ${saved.model}` : ''})`,
        );
        return false;
      }
      default:
        ctx.note(`unknown command ${name}; /help lists them`);
        return false;
    }
  } catch (e) {
    ctx.stderr.write(`${ctx.err.red('error:')} ${errorMessage(e)}\n`);
    return false;
  }
}

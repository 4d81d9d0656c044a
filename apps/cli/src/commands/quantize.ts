/** `llamats quantize IN OUT TYPE`: llama-quantize's recipes, on every core. */
import { open, rename, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ggmlTypeInfo } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { llamaFileType, llamaFileTypes, type QuantizeSummary, quantizeModel } from '@llamats/model-llama';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { resolveModel } from '../model-source.js';
import { intArg } from '../options.js';
import { progressBar } from '../progress.js';
import { RowConverterPool } from '../quantize-pool.js';
import { formatBytes } from '../style.js';

interface QuantizeOptions {
  threads?: number;
  allowRequantize?: boolean;
  json?: boolean;
}

export function registerQuantize(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  const types = llamaFileTypes.map((t) => `  ${t.name.padEnd(7)} ${t.description}`).join('\n');
  program
    .command('quantize')
    .description(
      'convert an F32/F16/BF16 GGUF model to a quantized type, with the per-tensor choices of llama-quantize',
    )
    .argument('<in>', 'input model (path, URL or cached name)')
    .argument('<out>', 'output .gguf path')
    .argument('<type>', 'target type (see below; Q4_K means Q4_K_M)')
    .option('-t, --threads <n>', 'worker threads (default: all cores)', intArg(1, 256))
    .option('--allow-requantize', 'accept an already quantized input (quality suffers)')
    .option('--json', 'print a JSON summary with the type of every tensor')
    .addHelpText('after', `\nTypes:\n${types}\n\nExample:\n  llamats quantize model-F16.gguf model-Q4_K_M.gguf Q4_K_M`)
    .action((input: string, output: string, type: string, opts: QuantizeOptions) =>
      run(async (ctx) => {
        let fileType: ReturnType<typeof llamaFileType>;
        try {
          fileType = llamaFileType(type);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        const inPath = await resolveModel(input, { signal: ctx.signal });
        if (resolve(inPath) === resolve(output))
          throw new UsageError('OUT must differ from IN (the input is read while the output is written)');
        const gguf = await openGgufFile(inPath);
        const pool = new RowConverterPool(opts.threads ?? availableParallelism());
        const partial = `${output}.partial`;
        const handle = await open(partial, 'w');
        const bar = progressBar({ title: `quantizing to ${fileType.name}` });
        const started = performance.now();
        let summary: QuantizeSummary;
        try {
          summary = await quantizeModel(
            gguf,
            {
              async write(chunk) {
                for (let done = 0; done < chunk.byteLength; ) done += (await handle.write(chunk, done)).bytesWritten;
              },
            },
            fileType,
            {
              signal: ctx.signal,
              converter: pool.converter,
              allowRequantize: opts.allowRequantize,
              onProgress: (p) =>
                bar.update(
                  p.bytesDone,
                  p.bytesTotal,
                  `${p.tensor} ${ggmlTypeInfo(p.from).name}->${ggmlTypeInfo(p.to).name}`,
                ),
            },
          );
          await handle.close();
          await rename(partial, output);
        } catch (e) {
          bar.done();
          await handle.close().catch(() => {});
          await unlink(partial).catch(() => {});
          throw e;
        } finally {
          await pool.close();
          for (const s of gguf.sources) await s.close?.();
        }
        bar.done();
        const seconds = (performance.now() - started) / 1000;
        const elements = summary.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
        if (opts.json) {
          ctx.print(
            JSON.stringify({
              input: inPath,
              output,
              type: fileType.name,
              file_type: fileType.id,
              bytes_in: summary.bytesIn,
              bytes_out: summary.bytesOut,
              file_bytes: summary.fileBytes,
              seconds,
              threads: pool.threads,
              tensors: summary.tensors.map((t) => ({
                name: t.name,
                shape: t.shape,
                from: ggmlTypeInfo(t.from).name,
                to: ggmlTypeInfo(t.to).name,
                fell_back: t.fellBack,
              })),
            }),
          );
          return;
        }
        const counts = new Map<string, number>();
        for (const t of summary.tensors)
          counts.set(ggmlTypeInfo(t.to).name, (counts.get(ggmlTypeInfo(t.to).name) ?? 0) + 1);
        if (ctx.verbose) {
          for (const t of summary.tensors) {
            ctx.note(
              `  ${t.name.padEnd(32)} [${t.shape.join(', ')}] ${ggmlTypeInfo(t.from).name} -> ${ggmlTypeInfo(t.to).name}${t.fellBack ? ' (fallback)' : ''}`,
            );
          }
        }
        const fallbacks = summary.tensors.filter((t) => t.fellBack).length;
        ctx.print(
          `${output}: ${fileType.name}, ${formatBytes(summary.bytesIn)} -> ${formatBytes(summary.bytesOut)} ` +
            `(${((summary.bytesOut * 8) / Math.max(1, elements)).toFixed(2)} bits/weight) in ${seconds.toFixed(1)} s on ${pool.threads} thread(s)`,
        );
        ctx.print(
          `tensor types: ${[...counts].map(([k, n]) => `${k} x${n}`).join(', ')}${fallbacks ? `; ${fallbacks} fell back to a block-32 type` : ''}`,
        );
      }),
    );
}

/** `llamats inspect MODEL`: metadata, hyper-parameters, tokenizer, chat template and tensor table, without loading weights. */

import type { GgufJsonValue } from '@llamats/gguf-format';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { describeModel, type ModelDescription } from '../describe.js';
import { openGgufHeader } from '../gguf-open.js';
import { formatBytes, formatCount, formatTable } from '../style.js';

interface InspectOptions {
  json?: boolean;
  fullArrays?: boolean;
  tensors?: boolean;
  metadata?: boolean;
}

export function registerInspect(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  program
    .command('inspect')
    .description('show metadata, hyper-parameters, tokenizer, chat template and tensors (weights are not read)')
    .argument('[model]', 'path, URL or cached model name (default: the demo model)')
    .option('--json', 'print one JSON object (metadata, quantization mix, hparams, tokenizer, tensors)')
    .option('--full-arrays', 'list every value of long metadata arrays (vocabularies) instead of a summary')
    .option('--no-tensors', 'omit the tensor table')
    .option('--no-metadata', 'omit the metadata listing')
    .addHelpText(
      'after',
      '\nExamples:\n  llamats inspect model.gguf\n  llamats inspect model.gguf --json | jq \'.tensors[] | select(.type == "Q6_K") | .name\'',
    )
    .action((model: string | undefined, opts: InspectOptions) =>
      run(async (ctx) => {
        const opened = await openGgufHeader(model, { signal: ctx.signal });
        try {
          const d = describeModel(opened.gguf, { fullArrays: opts.fullArrays });
          if (opts.json) ctx.print(JSON.stringify({ file: opened.location, ...d }, null, 2));
          else printDescription(ctx, opened.location, d, opts);
        } finally {
          await opened.close();
        }
      }),
    );
}

function isArraySummary(
  v: GgufJsonValue,
): v is { summary: 'array'; itemType: string; length: number; head: GgufJsonValue[] } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && v.summary === 'array';
}

function showValue(v: GgufJsonValue): string {
  if (isArraySummary(v))
    return `[${v.length} x ${v.itemType}: ${v.head.map((x) => JSON.stringify(x)).join(', ')}, ...]`;
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function printDescription(ctx: CommandContext, location: string, d: ModelDescription, opts: InspectOptions): void {
  const { out } = ctx;
  const head = (s: string) => ctx.print(`\n${out.bold(s)}`);
  ctx.print(`${out.bold('file')}       ${location} (${formatBytes(d.fileSize)})`);
  ctx.print(
    `${out.bold('gguf')}       version ${d.version}, alignment ${d.alignment}, ${d.tensors.length} tensors, ${Object.keys(d.metadata).length} metadata keys`,
  );
  if (d.tensors.length > 0) {
    ctx.print(
      `${out.bold('weights')}    ${formatCount(d.parameterCount)} parameters, ${formatBytes(d.tensorBytes)}, ` +
        `${d.fileType ?? 'file type not stated'} (${d.bitsPerWeight.toFixed(2)} bits/weight)`,
    );
    ctx.print(
      `${out.bold('types')}      ${d.quantMix.map((q) => `${q.type} x${q.tensors} (${formatBytes(q.bytes)})`).join(', ')}`,
    );
  }
  if (opts.metadata !== false) {
    head('metadata');
    for (const [k, v] of Object.entries(d.metadata))
      if (k !== 'tokenizer.chat_template') ctx.print(`  ${k} = ${showValue(v)}`);
  }
  if (d.hparams) {
    const h = d.hparams;
    head(`hyper-parameters (${h.architecture})`);
    const rows: [string, string | number][] = [
      ['context length', h.contextLength],
      ['embedding', h.embeddingLength],
      ['layers', h.blockCount],
      ['feed-forward', h.feedForwardLength],
      ['heads / kv heads', `${h.headCount} / ${h.headCountKv} (head dim ${h.headDim})`],
      [
        'rope',
        `base ${h.ropeFreqBase}, dims ${h.ropeDimensionCount}${h.ropeScalingFactor !== 1 ? `, ${h.ropeScalingType} scaling x${h.ropeScalingFactor}` : ''}`,
      ],
      ['rms eps', Number(h.rmsEps.toPrecision(6))],
      ['vocab', h.vocabSize],
    ];
    for (const [k, v] of rows) ctx.print(`  ${k.padEnd(17)} ${v}`);
  }
  if (d.tokenizerModel) {
    const t = d.tokenizer;
    head('tokenizer');
    ctx.print(
      `  model ${d.tokenizerModel}${d.tokenizerPre ? `, pre ${d.tokenizerPre}` : ''}, ${d.vocabSize} tokens${t?.merges ? `, ${t.merges} merges` : ''}`,
    );
    if (t) {
      const tok = (x: { id: number; text: string } | undefined) => (x ? `${x.id} ${JSON.stringify(x.text)}` : 'none');
      ctx.print(
        `  bos ${tok(t.bos)}, eos ${tok(t.eos)}, add_bos ${t.addBos ?? 'default'}, add_eos ${t.addEos ?? 'default'}`,
      );
      const types = Object.entries(t.tokenTypes).map(([k, n]) => `${n} ${k}`);
      if (types.length) ctx.print(`  token types: ${types.join(', ')}`);
    }
  }
  head('chat template');
  if (d.chatTemplate) {
    const lines = d.chatTemplate.split('\n');
    for (const l of lines.slice(0, 12)) ctx.print(`  ${out.dim(l)}`);
    if (lines.length > 12) ctx.print(`  ${out.dim(`... (${lines.length - 12} more lines; --json has it whole)`)}`);
  } else {
    ctx.print('  none in the file (chat falls back to a built-in template; choose one with --template)');
  }
  if (opts.tensors !== false && d.tensors.length > 0) {
    head('tensors');
    const rows = d.tensors.map((t, i) => [
      String(i),
      t.name,
      t.type,
      `[${t.shape.join(', ')}]`,
      formatBytes(t.byteLength),
      String(t.offset),
    ]);
    ctx.print(
      formatTable(['#', 'name', 'type', 'shape', 'size', 'offset'], rows, [true, false, false, false, true, true]),
    );
  }
}

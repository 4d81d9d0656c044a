/** `llamats inspect MODEL`: metadata, hyper-parameters, tokenizer, chat template and tensor table, without loading weights. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { describeGguf, type GgufDescription, type JsonValue } from '../describe.js';
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
    .option('--json', 'print one JSON object (metadata and a tensors array)')
    .option('--full-arrays', 'include every value of long metadata arrays (vocabularies) in --json')
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
          // Text output shows the head of every array, so it needs their values.
          const d = describeGguf(opened.gguf, { fullArrays: opts.fullArrays || !opts.json });
          if (opts.json) ctx.print(JSON.stringify({ file: opened.location, ...d }, null, 2));
          else printDescription(ctx, opened.location, d, opts);
        } finally {
          await opened.close();
        }
      }),
    );
}

/** f32 metadata read into doubles prints as 0.000009999999747378752: show it as it was written. */
const shortFloat = (x: number) => (Number.isInteger(x) ? x : Number(x.toPrecision(7)));

function showValue(v: JsonValue): string {
  if (v !== null && typeof v === 'object') {
    const shown = (v.values ?? []).slice(0, 8).map((x) => JSON.stringify(x));
    const more = v.length > shown.length ? ', ...' : '';
    return `[${v.length} x ${v.item_type}${shown.length ? `: ${shown.join(', ')}${more}` : ''}]`;
  }
  const s = typeof v === 'number' ? String(shortFloat(v)) : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function printDescription(ctx: CommandContext, location: string, d: GgufDescription, opts: InspectOptions): void {
  const { out } = ctx;
  const fileType = d.metadata['general.file_type'];
  ctx.print(`${out.bold('file')}       ${location} (${formatBytes(d.size)})`);
  ctx.print(
    `${out.bold('gguf')}       version ${d.version}, alignment ${d.alignment}, ${d.tensors.length} tensors, ${Object.keys(d.metadata).length} metadata keys`,
  );
  if (d.tensors.length > 0) {
    ctx.print(
      `${out.bold('weights')}    ${formatCount(d.parameters)} parameters, ${formatBytes(d.tensor_bytes)}` +
        `${fileType !== undefined ? `, file_type ${fileType}` : ''} (${((d.tensor_bytes * 8) / Math.max(1, d.parameters)).toFixed(2)} bits/weight)`,
    );
  }
  if (opts.metadata !== false) {
    ctx.print(`\n${out.bold('metadata')}`);
    for (const [k, v] of Object.entries(d.metadata)) {
      if (k === 'tokenizer.chat_template') continue;
      ctx.print(`  ${k} = ${showValue(v)}`);
    }
  }
  if (d.hparams) {
    const h = d.hparams;
    ctx.print(`\n${out.bold('hyper-parameters')} (${h.architecture})`);
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
      ['rms eps', shortFloat(h.rmsEps)],
      ['vocab', h.vocabSize],
    ];
    for (const [k, v] of rows) ctx.print(`  ${k.padEnd(17)} ${v}`);
  }
  if (d.tokenizer) {
    const t = d.tokenizer;
    ctx.print(`\n${out.bold('tokenizer')}`);
    ctx.print(
      `  model ${t.model ?? '?'}${t.pre ? `, pre ${t.pre}` : ''}, ${t.vocab_size} tokens${t.merges ? `, ${t.merges} merges` : ''}`,
    );
    const tok = (x: { id: number; text: string } | undefined) => (x ? `${x.id} ${JSON.stringify(x.text)}` : 'none');
    ctx.print(
      `  bos ${tok(t.bos)}, eos ${tok(t.eos)}, add_bos ${t.add_bos ?? 'default'}, add_eos ${t.add_eos ?? 'default'}`,
    );
    const types = Object.entries(t.token_types).map(([k, n]) => `${n} ${k}`);
    if (types.length) ctx.print(`  token types: ${types.join(', ')}`);
  }
  ctx.print(`\n${out.bold('chat template')}`);
  if (d.chat_template) {
    const lines = d.chat_template.split('\n');
    for (const l of lines.slice(0, 12)) ctx.print(`  ${out.dim(l)}`);
    if (lines.length > 12) ctx.print(`  ${out.dim(`... (${lines.length - 12} more lines; --json has it whole)`)}`);
  } else {
    ctx.print('  none in the file (chat falls back to a built-in template; choose one with --template)');
  }
  if (opts.tensors !== false && d.tensors.length > 0) {
    ctx.print(`\n${out.bold('tensors')}`);
    const rows = d.tensors.map((t, i) => [
      String(i),
      t.name,
      t.type,
      `[${t.shape.join(', ')}]`,
      formatBytes(t.bytes),
      String(t.offset),
    ]);
    ctx.print(
      formatTable(['#', 'name', 'type', 'shape', 'size', 'offset'], rows, [true, false, false, false, true, true]),
    );
  }
}

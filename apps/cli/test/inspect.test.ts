import { readFileSync } from 'node:fs';
import { type GgmlType, ggmlTypeByName } from '@llamats/gguf-format';
import { dequantize } from '@llamats/tensor-core';
import { fixturePath, hasFixture, readF32, readFixtureJson } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

interface DequantEntry {
  model: string;
  tensor: string;
  type: string;
  shape: number[];
  n_elements: number;
  file: string;
}

interface TensorRow {
  name: string;
  shape: number[];
  type: string;
  offset: number;
  byteLength: number;
}

const demo = fixturePath('models/stories-demo-Q8_0.gguf');

async function inspectJson(path: string) {
  const r = await cli(['inspect', path, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as {
    tensors: TensorRow[];
    metadata: Record<string, unknown>;
    fileSize: number;
    [k: string]: unknown;
  };
}

describe('inspect', () => {
  // llama.cpp's gguf-py dequantized these tensors: our table must name their type and shape, and our offset
  // must point at bytes that dequantize to exactly the golden values.
  const index = hasFixture('golden/dequant/index.json')
    ? readFixtureJson<{ tensors: DequantEntry[] }>('golden/dequant/index.json').tensors
    : [];
  const byModel = new Map<string, DequantEntry[]>();
  for (const e of index) byModel.set(e.model, [...(byModel.get(e.model) ?? []), e]);
  const models = [...byModel.keys()].filter((m) => hasFixture(`models/${m}`));

  it.skipIf(models.length === 0)(
    '--json tensor table matches llama.cpp (type, shape) and the file (offset)',
    async () => {
      for (const model of models) {
        const path = fixturePath(`models/${model}`)!;
        const info = await inspectJson(path);
        const file = readFileSync(path);
        for (const e of byModel.get(model)!) {
          const row = info.tensors.find((t) => t.name === e.tensor);
          expect(row, `${model} ${e.tensor}`).toBeDefined();
          expect(row!.type).toBe(e.type);
          expect(row!.shape).toEqual(e.shape);
          const type = ggmlTypeByName(row!.type)!.type as GgmlType;
          const bytes = new Uint8Array(file.subarray(row!.offset, row!.offset + row!.byteLength));
          const values = new Float32Array(e.n_elements);
          dequantize(type, bytes, values, e.n_elements);
          const golden = readF32(`golden/dequant/${e.file}`);
          expect(
            Buffer.compare(Buffer.from(values.buffer), Buffer.from(golden.buffer)),
            `${model} ${e.tensor} data at offset ${row!.offset}`,
          ).toBe(0);
        }
        // The table covers the whole data section: ascending, non-overlapping, inside the file.
        const sorted = [...info.tensors].sort((a, b) => a.offset - b.offset);
        for (let i = 1; i < sorted.length; i++)
          expect(sorted[i].offset).toBeGreaterThanOrEqual(sorted[i - 1].offset + sorted[i - 1].byteLength);
        expect(sorted.at(-1)!.offset + sorted.at(-1)!.byteLength).toBeLessThanOrEqual(info.fileSize);
      }
    },
  );

  it.skipIf(!demo)('--json describes the demo model: metadata, hyper-parameters, tokenizer', async () => {
    const info = await inspectJson(demo!);
    expect(info.metadata['general.architecture']).toBe('llama');
    expect(info.metadata['llama.block_count']).toBe(4);
    expect(info.metadata['tokenizer.ggml.tokens']).toMatchObject({
      summary: 'array',
      itemType: 'STRING',
      length: 32000,
    });
    expect(info.metadata['llama.attention.layer_norm_rms_epsilon']).toBe(1e-5);
    expect(info.fileType).toBe('MOSTLY_Q8_0');
    expect(info.hparams).toMatchObject({ blockCount: 4, embeddingLength: 64, headCount: 4, headCountKv: 2 });
    expect(info).toMatchObject({
      tokenizerModel: 'llama',
      vocabSize: 32000,
      tokenizer: { bos: { id: 1, text: '<s>' }, addBos: true },
    });
    expect(info.tensors).toHaveLength(39);
    expect(info.tensors.every((t) => ['Q8_0', 'F32'].includes(t.type))).toBe(true);
  });

  it.skipIf(!demo)('prints a readable report', async () => {
    const r = await cli(['inspect', demo!]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^file\s+.*stories-demo-Q8_0\.gguf/m);
    expect(r.stdout).toMatch(/heads \/ kv heads\s+4 \/ 2/);
    expect(r.stdout).toMatch(/\| blk\.3\.ffn_down\.weight\s+\| Q8_0 \| \[192, 64\]/);
  });

  it.skipIf(!hasFixture('vocab/ggml-vocab-llama-bpe.gguf'))(
    'works on a vocab-only file, chat template included',
    async () => {
      const info = await inspectJson(fixturePath('vocab/ggml-vocab-llama-bpe.gguf')!);
      expect(info.tensors).toEqual([]);
      expect(info).toMatchObject({ tokenizerModel: 'gpt2', vocabSize: 128256, hasChatTemplate: true });
      expect(info.chatTemplate).toMatch(/start_header_id/);
      const full = await cli(['inspect', fixturePath('vocab/ggml-vocab-llama-bpe.gguf')!, '--json', '--full-arrays']);
      expect(JSON.parse(full.stdout).metadata['tokenizer.ggml.tokens']).toHaveLength(128256);
    },
  );
});

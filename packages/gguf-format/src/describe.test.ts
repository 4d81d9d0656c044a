import { readFileSync } from 'node:fs';
import { hasFixture, requireFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import {
  describeGguf,
  formatGgufDescription,
  GgmlType,
  GgufValueType,
  llamaFileTypeName,
  MemorySource,
  openGgufSplit,
  parseGguf,
  planGgufSplit,
  writeGgufToBuffer,
} from './index.js';
import { openGgufFile } from './node.js';

describe('describeGguf', () => {
  it.skipIf(!hasFixture('models/spm4k-Q4_K_M.gguf'))(
    'summarises a K-quant model: quant mix, parameters, hyper-parameters, tokenizer',
    async () => {
      const g = await openGgufFile(requireFixture('models/spm4k-Q4_K_M.gguf'));
      const d = describeGguf(g);
      await g.close();
      expect(d).toMatchObject({
        version: 3,
        files: ['spm4k-Q4_K_M.gguf'],
        architecture: 'llama',
        name: 'spm4k',
        fileType: 'MOSTLY_Q4_K_M',
        contextLength: 2048,
        embeddingLength: 256,
        blockCount: 2,
        headCount: 8,
        headCountKv: 4,
        tokenizerModel: 'llama',
        vocabSize: 4096,
        hasChatTemplate: false,
      });
      expect(d.parameterCount).toBe(g.tensors.reduce((n, t) => n + t.elements, 0));
      expect(d.quantMix.reduce((n, q) => n + q.bytes, 0)).toBe(d.tensorBytes);
      expect(d.quantMix.reduce((n, q) => n + q.tensors, 0)).toBe(g.tensors.length);
      expect(d.quantMix.map((q) => q.type)).toEqual(expect.arrayContaining(['Q4_K', 'Q6_K', 'F32']));
      expect(d.bitsPerWeight).toBeGreaterThan(4);
      expect(d.bitsPerWeight).toBeLessThan(6);
      // Large arrays are summarised, not dumped.
      expect(d.metadata['tokenizer.ggml.tokens']).toEqual({
        summary: 'array',
        itemType: 'STRING',
        length: 4096,
        head: ['<unk>', '<s>', '</s>', '<0x00>', '<0x01>', '<0x02>', '<0x03>', '<0x04>'],
      });
      expect(d.metadata['llama.context_length']).toBe(2048);
      // f32 values shown as the shortest decimal that is the same f32.
      expect(d.metadata['llama.attention.layer_norm_rms_epsilon']).toBe(1e-5);
      const t = d.tensors.find((x) => x.name === 'blk.0.attn_q.weight')!;
      expect(t).toEqual({
        name: 'blk.0.attn_q.weight',
        shape: [256, 256],
        type: 'Q4_K',
        offset: g.tensor(t.name)!.offset,
        byteLength: 256 * 144,
      });
      // The structured form is plain JSON and stays small.
      const json = JSON.stringify(d);
      expect(JSON.parse(json)).toEqual(d);
      expect(json.length).toBeLessThan(20_000);
    },
  );

  it.skipIf(!hasFixture('vocab/ggml-vocab-llama-bpe.gguf'))(
    'sees the chat template and BPE tokenizer of the LLaMA 3 vocabulary',
    async () => {
      const g = await parseGguf(new MemorySource(readFileSync(requireFixture('vocab/ggml-vocab-llama-bpe.gguf'))));
      const d = describeGguf(g);
      expect(d).toMatchObject({
        hasChatTemplate: true,
        tokenizerModel: 'gpt2',
        tokenizerPre: 'llama-bpe',
        vocabSize: 128256,
        parameterCount: 0,
      });
      expect(typeof d.metadata['tokenizer.chat_template']).toBe('string');
      const text = formatGgufDescription(d);
      expect(text).toMatch(/chat template {3}yes/);
      expect(text).toMatch(/tokenizer\.ggml\.tokens = \[128256 × STRING\]/);
      expect(text.length).toBeLessThan(10_000);
    },
  );

  it.skipIf(!hasFixture('models/spm4k-Q8_0.gguf'))('marks the part of each tensor in a split model', async () => {
    const g = await parseGguf(new MemorySource(readFileSync(requireFixture('models/spm4k-Q8_0.gguf'))));
    const parts = await Promise.all(
      planGgufSplit(g, { maxTensors: 10 }).map(async (s, i) => new MemorySource(await writeGgufToBuffer(s), `p${i}`)),
    );
    const d = describeGguf(await openGgufSplit(parts));
    expect(d.files).toEqual(parts.map((p) => p.name));
    expect(d.tensors[0].part).toBe(0);
    expect(d.tensors.at(-1)!.part).toBe(parts.length - 1);
    expect(formatGgufDescription(d)).toMatch(/part 2/);
  });

  it('keeps odd values JSON-safe and never throws on unexpected metadata types', async () => {
    const bytes = await writeGgufToBuffer({
      kv: [
        { key: 'general.architecture', type: GgufValueType.UINT8, value: 3 },
        { key: 'big', type: GgufValueType.UINT64, value: 2n ** 63n },
        { key: 'nan', type: GgufValueType.FLOAT32, value: Number.NaN },
        { key: 'general.file_type', type: GgufValueType.UINT32, value: 99 },
      ],
      tensors: [{ name: 'w', shape: [32], type: GgmlType.Q8_0, data: new Uint8Array(34) }],
    });
    const d = describeGguf(await parseGguf(new MemorySource(bytes)));
    expect(d.architecture).toBeUndefined();
    expect(d.metadata).toMatchObject({ big: '9223372036854775808', nan: 'NaN' });
    expect(d.fileType).toBe('unknown (99)');
    expect(d.quantMix).toEqual([{ type: 'Q8_0', tensors: 1, parameters: 32, bytes: 34 }]);
    expect(formatGgufDescription(d, { metadata: false })).toMatch(/w +\[32\] +Q8_0 +@ \d+/);
    expect(llamaFileTypeName(15)).toBe('MOSTLY_Q4_K_M');
  });
});

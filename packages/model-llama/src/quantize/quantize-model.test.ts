import { readFileSync } from 'node:fs';
import {
  GgmlType,
  GgufValueType,
  ggmlTypeInfo,
  parseGguf,
  toByteSource,
  writeGgufToBuffer,
} from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, hasFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { llamaFileType } from './file-types.js';
import { quantizeModel } from './quantize-model.js';
import { chooseTensorTypes } from './tensor-types.js';

const F32 = 'models/spm4k-F32.gguf';

async function quantizeToBuffer(path: string, type: string) {
  const gguf = await openGgufFile(path);
  const chunks: Uint8Array[] = [];
  try {
    const summary = await quantizeModel(gguf, { write: (c) => void chunks.push(c.slice()) }, type, {
      chunkValues: 1 << 16,
    });
    return { bytes: Buffer.concat(chunks), summary };
  } finally {
    await gguf.source.close?.();
  }
}

describe('quantizeModel', () => {
  // llama-quantize made these files from the same F32 original: same tensor types, order, metadata and bytes.
  for (const type of [
    'Q8_0',
    'Q4_0',
    'Q4_1',
    'Q5_0',
    'Q5_1',
    'Q2_K',
    'Q3_K_M',
    'Q4_K_M',
    'Q5_K_M',
    'Q6_K',
    'IQ4_NL',
    'IQ4_XS',
    'F16',
    'BF16',
  ]) {
    const ref = `models/spm4k-${type}.gguf`;
    it.skipIf(!hasFixture(F32) || !hasFixture(ref))(
      `reproduces llama-quantize's ${type} file byte for byte`,
      async () => {
        const { bytes, summary } = await quantizeToBuffer(fixturePath(F32)!, type);
        const expected = readFileSync(fixturePath(ref)!);
        const ours = await parseGguf(toByteSource(new Uint8Array(bytes)));
        const theirs = await parseGguf(toByteSource(new Uint8Array(expected)));
        expect(ours.tensors.map((t) => [t.name, ggmlTypeInfo(t.type).name])).toEqual(
          theirs.tensors.map((t) => [t.name, ggmlTypeInfo(t.type).name]),
        );
        expect(ours.kv.map((e) => e.key)).toEqual(theirs.kv.map((e) => e.key));
        expect(ours.get('general.file_type')).toBe(llamaFileType(type).id);
        expect(summary.fileBytes).toBe(bytes.byteLength);
        for (const t of theirs.tensors) {
          const mine = ours.tensor(t.name)!;
          const a = bytes.subarray(mine.offset, mine.offset + mine.byteLength);
          const b = expected.subarray(t.offset, t.offset + t.byteLength);
          expect(Buffer.compare(a, b), `${t.name} (${ggmlTypeInfo(t.type).name}) bytes`).toBe(0);
        }
        expect(bytes.byteLength).toBe(expected.byteLength);
      },
    );
  }

  it.skipIf(!hasFixture('models/spm4k-tied-Q4_K_M.gguf'))('gives a tied embedding table the output type', async () => {
    const gguf = await openGgufFile(fixturePath('models/spm4k-tied-Q4_K_M.gguf')!);
    try {
      const choices = chooseTensorTypes(gguf, llamaFileType('Q4_K_M'));
      expect(ggmlTypeInfo(choices.find((c) => c.tensor.name === 'token_embd.weight')!.type).name).toBe('Q6_K');
    } finally {
      await gguf.source.close?.();
    }
  });

  it.skipIf(!hasFixture('models/spm4k-Q4_0.gguf'))('refuses to requantize unless allowed', async () => {
    const gguf = await openGgufFile(fixturePath('models/spm4k-Q4_0.gguf')!);
    try {
      await expect(quantizeModel(gguf, { write() {} }, 'Q8_0')).rejects.toThrow(
        /is already Q\d_\w+; .*--allow-requantize/,
      );
    } finally {
      await gguf.source.close?.();
    }
  });

  it('falls back to block-32 types (then F16) where rows are not whole super-blocks, and keeps norms F32', async () => {
    const values = (n: number) => new Uint8Array(Float32Array.from({ length: n }, (_, i) => Math.sin(i)).buffer);
    const file = await writeGgufToBuffer({
      kv: [{ key: 'general.architecture', type: GgufValueType.STRING, value: 'llama' }],
      tensors: [
        { name: 'blk.0.attn_q.weight', shape: [96, 4], type: GgmlType.F32, data: values(384) },
        { name: 'blk.0.ffn_down.weight', shape: [48, 4], type: GgmlType.F32, data: values(192) },
        { name: 'blk.0.attn_norm.weight', shape: [96], type: GgmlType.F32, data: values(96) },
      ],
    });
    const gguf = await parseGguf(toByteSource(file));
    const chunks: Uint8Array[] = [];
    const summary = await quantizeModel(gguf, { write: (c) => void chunks.push(c.slice()) }, 'Q4_K_M');
    const types = Object.fromEntries(summary.tensors.map((t) => [t.name, [ggmlTypeInfo(t.to).name, t.fellBack]]));
    expect(types).toEqual({
      'blk.0.attn_norm.weight': ['F32', false],
      'blk.0.attn_q.weight': ['Q5_0', true],
      'blk.0.ffn_down.weight': ['F16', true],
    });
    const out = await parseGguf(toByteSource(Buffer.concat(chunks)));
    expect(out.tensors.map((t) => t.name)).toEqual([
      'blk.0.attn_norm.weight',
      'blk.0.attn_q.weight',
      'blk.0.ffn_down.weight',
    ]);
  });

  it('rejects unknown type names with the list of choices', () => {
    expect(() => llamaFileType('Q7_K')).toThrow(/Unknown quantization type "Q7_K".*Q4_K_M/);
    expect(llamaFileType('q4_k').name).toBe('Q4_K_M');
    expect(GgmlType[llamaFileType('Q5_K').defaultType]).toBe('Q5_K');
  });
});

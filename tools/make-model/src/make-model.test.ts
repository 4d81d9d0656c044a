import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GgmlType, getNumber, getString, getStringArray, isGgufArray } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { chooseTensorTypes, LlamaModel, llamaFileType, readModelShape } from '@llamats/model-llama';
import { dequantize, ReferenceBackend } from '@llamats/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModel } from './make-model.js';
import { findRepoRoot, readVocabulary } from './vocab.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'make-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nodeLlamaCpp = join(findRepoRoot() ?? '.', 'tools/bench/peers/node_modules/node-llama-cpp/dist/index.js');

describe('makeModel', () => {
  it('writes a LLaMA file llama.cpp can read: metadata, vocabulary, tensors in the Q4_K_M mix', async () => {
    const made = await makeModel({ shape: 'tiny', type: 'Q4_K_M', outDir: dir });
    expect(made.reused).toBe(false);
    expect((await stat(made.path)).size).toBe(made.bytes);
    const gguf = await openGgufFile(made.path);
    try {
      expect(getString(gguf, 'general.architecture')).toBe('llama');
      const expected: Record<string, number> = {
        'llama.context_length': 2048,
        'llama.embedding_length': 256,
        'llama.block_count': 2,
        'llama.feed_forward_length': 512,
        'llama.attention.head_count': 8,
        'llama.attention.head_count_kv': 4,
        'llama.rope.dimension_count': 32,
        'llama.rope.freq_base': 10000,
        'llama.vocab_size': 32000,
        'general.file_type': 15,
        'general.quantization_version': 2,
      };
      for (const [key, value] of Object.entries(expected)) expect(getNumber(gguf, key), key).toBe(value);
      expect(getNumber(gguf, 'llama.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-5, 9);
      // Every tokenizer key of the vocabulary file, unchanged.
      const vocab = await readVocabulary();
      for (const e of vocab.kv) expect(gguf.metadata.get(e.key)?.type, e.key).toBe(e.type);
      expect(getStringArray(gguf, 'tokenizer.ggml.tokens')?.length).toBe(32000);
      expect(isGgufArray(gguf.get('tokenizer.ggml.scores'))).toBe(true);

      expect(gguf.tensors).toHaveLength(3 + 2 * 9);
      const types = Object.fromEntries(gguf.tensors.map((t) => [t.name, t.type]));
      expect(types['output.weight']).toBe(GgmlType.Q6_K);
      expect(types['blk.0.attn_q.weight']).toBe(GgmlType.Q4_K);
      expect(types['blk.1.attn_v.weight']).toBe(GgmlType.Q6_K); // use_more_bits: last eighth
      expect(types['blk.0.attn_norm.weight']).toBe(GgmlType.F32);
      // The same choices llamats quantize makes for this file.
      for (const c of chooseTensorTypes(gguf, llamaFileType('Q4_K_M')))
        expect(c.type, c.tensor.name).toBe(c.tensor.type);
      expect(readModelShape(gguf).nHeadKv).toBe(4);
      expect(made.tensorTypes).toEqual({ Q6_K: 3, Q4_K: 13, F32: 5 });

      // Weights near N(0, 0.02), norms exactly one.
      const q = gguf.tensor('blk.0.ffn_up.weight')!;
      const values = new Float32Array(q.elements);
      dequantize(q.type, await q.source.read(q.offset, q.byteLength), values, q.elements);
      const sd = Math.sqrt(values.reduce((s, x) => s + x * x, 0) / values.length);
      expect(sd).toBeGreaterThan(0.017);
      expect(sd).toBeLessThan(0.023);
      const norm = gguf.tensor('output_norm.weight')!;
      const ones = new Float32Array(norm.elements);
      dequantize(norm.type, await norm.source.read(norm.offset, norm.byteLength), ones, norm.elements);
      expect(ones.every((x) => x === 1)).toBe(true);
    } finally {
      await gguf.close();
    }
  });

  it('keeps a file of the right size and rewrites on force', async () => {
    const first = await makeModel({ shape: 'tiny', type: 'Q8_0', outDir: dir });
    const again = await makeModel({ shape: 'tiny', type: 'Q8_0', outDir: dir });
    expect(again.reused).toBe(true);
    expect(again.path).toBe(first.path);
    expect((await makeModel({ shape: 'tiny', type: 'Q8_0', outDir: dir, force: true })).reused).toBe(false);
  });

  it('is deterministic for a seed, and exact mode quantizes fresh values', async () => {
    const a = await makeModel({ shape: 'tiny', type: 'F16', outDir: dir, fileName: 'a.gguf', exact: true });
    const b = await makeModel({ shape: 'tiny', type: 'F16', outDir: dir, fileName: 'b.gguf', exact: true });
    const c = await makeModel({ shape: 'tiny', type: 'F16', outDir: dir, fileName: 'c.gguf', exact: true, seed: 2 });
    const read = async (p: string) => {
      const g = await openGgufFile(p);
      const t = g.tensor('blk.1.ffn_down.weight')!;
      const bytes = await t.source.read(t.offset, t.byteLength);
      await g.close();
      return bytes;
    };
    expect(await read(a.path)).toEqual(await read(b.path));
    expect(await read(a.path)).not.toEqual(await read(c.path));
  });

  it('loads in llamats and gives finite logits', async () => {
    const made = await makeModel({ shape: 'tiny', type: 'Q4_0', outDir: dir });
    const gguf = await openGgufFile(made.path);
    const backend = new ReferenceBackend();
    const model = await LlamaModel.load(gguf, { backend });
    try {
      const ctx = model.createContext({ nCtx: 32 });
      const logits = await ctx.evaluate([1, 450, 4996, 17354]);
      expect(logits).toHaveLength(32000);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(Math.max(...logits)).toBeGreaterThan(Math.min(...logits));
    } finally {
      model.dispose();
      backend.dispose();
      await gguf.close();
    }
  });

  it.skipIf(!existsSync(nodeLlamaCpp))('loads in llama.cpp (node-llama-cpp) and generates', async () => {
    const made = await makeModel({ shape: 'tiny', type: 'Q4_K_M', outDir: dir });
    const { getLlama } = (await import(pathToFileURL(nodeLlamaCpp).href)) as {
      getLlama(o: object): Promise<{
        loadModel(o: object): Promise<{
          tokenize(text: string): number[];
          createContext(o: object): Promise<{
            getSequence(): { evaluate(t: number[], o: object): AsyncGenerator<number> };
            dispose(): Promise<void>;
          }>;
          dispose(): Promise<void>;
        }>;
        dispose(): Promise<void>;
      }>;
    };
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
    const model = await llama.loadModel({ modelPath: made.path });
    const ctx = await model.createContext({ contextSize: 64, threads: 1 });
    const tokens = model.tokenize('Once upon a time');
    expect(tokens.length).toBeGreaterThan(2);
    const out: number[] = [];
    for await (const t of ctx.getSequence().evaluate(tokens, { temperature: 0 })) {
      out.push(t);
      if (out.length === 4) break;
    }
    expect(out).toHaveLength(4);
    expect(out.every((t) => t >= 0 && t < 32000)).toBe(true);
    await ctx.dispose();
    await model.dispose();
    await llama.dispose();
  });
});

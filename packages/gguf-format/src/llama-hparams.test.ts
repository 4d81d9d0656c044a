import { hasFixture, listFixtures, requireFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import {
  GgufKeyError,
  type GgufKV,
  GgufValueType,
  MemorySource,
  parseGguf,
  readLlamaHparams,
  writeGgufToBuffer,
} from './index.js';
import { openGgufFile } from './node.js';

describe('readLlamaHparams agrees with the tensor shapes of every fixture model', () => {
  for (const f of listFixtures('models', '.gguf')) {
    it(f, async () => {
      const g = await openGgufFile(requireFixture(`models/${f}`));
      try {
        const hp = readLlamaHparams(g);
        const shape = (name: string) => g.tensor(name)?.shape;
        // Every block is present, and none beyond.
        expect(g.tensors.filter((t) => t.name.endsWith('.attn_q.weight'))).toHaveLength(hp.blockCount);
        expect(shape('token_embd.weight')).toEqual([hp.embeddingLength, hp.vocabSize]);
        expect(shape('output_norm.weight')).toEqual([hp.embeddingLength]);
        const output = shape('output.weight');
        if (output) expect(output).toEqual([hp.embeddingLength, hp.vocabSize]);
        for (let i = 0; i < hp.blockCount; i++) {
          const b = `blk.${i}`;
          expect(shape(`${b}.attn_norm.weight`)).toEqual([hp.embeddingLength]);
          expect(shape(`${b}.attn_q.weight`)).toEqual([hp.embeddingLength, hp.headCount * hp.headDim]);
          expect(shape(`${b}.attn_k.weight`)).toEqual([hp.embeddingLength, hp.headCountKv * hp.headDim]);
          expect(shape(`${b}.attn_v.weight`)).toEqual([hp.embeddingLength, hp.headCountKv * hp.valueHeadDim]);
          expect(shape(`${b}.attn_output.weight`)).toEqual([hp.headCount * hp.valueHeadDim, hp.embeddingLength]);
          expect(shape(`${b}.ffn_norm.weight`)).toEqual([hp.embeddingLength]);
          expect(shape(`${b}.ffn_gate.weight`)).toEqual([hp.embeddingLength, hp.feedForwardLength]);
          expect(shape(`${b}.ffn_up.weight`)).toEqual([hp.embeddingLength, hp.feedForwardLength]);
          expect(shape(`${b}.ffn_down.weight`)).toEqual([hp.feedForwardLength, hp.embeddingLength]);
        }
        const ropeFreqs = shape('rope_freqs.weight');
        if (ropeFreqs) expect(ropeFreqs).toEqual([hp.ropeDimensionCount / 2]);
        expect(hp.ropeDimensionCount).toBe(hp.headDim);
        expect(hp.rmsEps).toBeCloseTo(1e-5, 10);
        expect(hp.ropeFreqScale).toBe(1);
        expect(hp.expertCount).toBe(0);
      } finally {
        await g.close();
      }
    });
  }

  it('reads the documented shapes of the special fixtures', async () => {
    const expected: Record<string, object> = {
      'spm4k-Q4_K_M.gguf': {
        embeddingLength: 256,
        blockCount: 2,
        headCount: 8,
        headCountKv: 4,
        feedForwardLength: 768,
        vocabSize: 4096,
        headDim: 32,
      },
      'spm4k-mqa-Q8_0.gguf': {
        embeddingLength: 256,
        blockCount: 3,
        headCount: 4,
        headCountKv: 1,
        feedForwardLength: 512,
        headDim: 64,
      },
      'spm4k-mha-hd128-F16.gguf': { embeddingLength: 256, blockCount: 2, headCount: 2, headCountKv: 2, headDim: 128 },
      'bpe-llama3rope-Q8_0.gguf': {
        embeddingLength: 128,
        headCount: 4,
        headCountKv: 2,
        feedForwardLength: 384,
        vocabSize: 50257,
        ropeFreqBase: 500000,
      },
      'stories-demo-Q8_0.gguf': {
        embeddingLength: 64,
        blockCount: 4,
        headCount: 4,
        headCountKv: 2,
        feedForwardLength: 192,
        vocabSize: 32000,
      },
    };
    for (const [f, want] of Object.entries(expected)) {
      if (!hasFixture(`models/${f}`)) continue;
      const g = await openGgufFile(requireFixture(`models/${f}`));
      expect(readLlamaHparams(g), f).toMatchObject(want);
      await g.close();
    }
  });
});

const u32 = (key: string, value: number): GgufKV => ({ key, type: GgufValueType.UINT32, value });
const f32 = (key: string, value: number): GgufKV => ({ key, type: GgufValueType.FLOAT32, value });
const str = (key: string, value: string): GgufKV => ({ key, type: GgufValueType.STRING, value });
const minimal: GgufKV[] = [
  str('general.architecture', 'llama'),
  u32('llama.context_length', 4096),
  u32('llama.embedding_length', 4096),
  u32('llama.block_count', 32),
  u32('llama.feed_forward_length', 11008),
  u32('llama.attention.head_count', 32),
  f32('llama.attention.layer_norm_rms_epsilon', 1e-6),
];
async function hparams(kv: GgufKV[]) {
  return readLlamaHparams(await parseGguf(new MemorySource(await writeGgufToBuffer({ kv, tensors: [] }))));
}

describe('readLlamaHparams defaults and checks (llama.cpp load_hparams)', () => {
  it('applies llama.cpp defaults for absent keys', async () => {
    const hp = await hparams(minimal);
    expect(hp).toMatchObject({
      headCountKv: 32,
      headDim: 128,
      valueHeadDim: 128,
      ropeDimensionCount: 128,
      ropeFreqBase: 10000,
      ropeScalingType: 'linear',
      ropeScalingFactor: 1,
      ropeFreqScale: 1,
      ropeScalingOrigContext: 4096,
      slidingWindow: 0,
      vocabSize: 0,
    });
  });

  it('reads rope scaling from rope.scaling.factor or the old rope.scale_linear', async () => {
    expect(await hparams([...minimal, f32('llama.rope.scale_linear', 4)])).toMatchObject({
      ropeScalingType: 'linear',
      ropeScalingFactor: 4,
      ropeFreqScale: 0.25,
    });
    const yarn = await hparams([
      ...minimal,
      str('llama.rope.scaling.type', 'yarn'),
      f32('llama.rope.scaling.factor', 8),
      u32('llama.rope.scaling.original_context_length', 8192),
    ]);
    expect(yarn).toMatchObject({ ropeScalingType: 'yarn', ropeScalingFactor: 8, ropeScalingOrigContext: 8192 });
    expect(
      await hparams([...minimal, str('llama.rope.scaling.type', 'none'), f32('llama.rope.scaling.factor', 8)]),
    ).toMatchObject({ ropeFreqScale: 1 });
    await expect(hparams([...minimal, str('llama.rope.scaling.type', 'weird')])).rejects.toThrow(
      /Unknown rope scaling type "weird"/,
    );
  });

  it('accepts uniform per-layer arrays and rejects mixed ones', async () => {
    const perLayer = (values: number[]): GgufKV => ({
      key: 'llama.attention.head_count_kv',
      type: GgufValueType.ARRAY,
      value: { itemType: GgufValueType.UINT32, values: new Uint32Array(values) },
    });
    expect((await hparams([...minimal, perLayer(new Array(32).fill(8))])).headCountKv).toBe(8);
    await expect(hparams([...minimal, perLayer([8, ...new Array(31).fill(4)])])).rejects.toThrow(
      /differs between layers/,
    );
    await expect(hparams([...minimal, perLayer([8, 8])])).rejects.toThrow(/2 per-layer values for 32 layers/);
  });

  it('requires what llama.cpp requires', async () => {
    for (const key of [
      'llama.context_length',
      'llama.embedding_length',
      'llama.block_count',
      'llama.attention.layer_norm_rms_epsilon',
      'llama.attention.head_count',
    ]) {
      const err = await hparams(minimal.filter((e) => e.key !== key)).catch((e: unknown) => e);
      expect(err, key).toBeInstanceOf(GgufKeyError);
      expect((err as GgufKeyError).key).toBe(key);
    }
    await expect(hparams([...minimal, u32('llama.rope.dimension_count', 64)])).rejects.toThrow(
      /rotates the whole head/,
    );
    await expect(hparams([...minimal.slice(1)])).rejects.toThrow(/names no architecture/);
  });
});

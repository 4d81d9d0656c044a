import { listFixtures, requireFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { GgmlType, readLlamaHparams } from './index.js';
import { openGgufFile } from './node.js';

describe('parseGguf on the fixtures', () => {
  for (const f of listFixtures('models', '.gguf')) {
    it(`parses ${f}`, async () => {
      const g = await openGgufFile(requireFixture(`models/${f}`));
      try {
        expect(g.version).toBe(3);
        expect(g.get('general.architecture')).toBe('llama');
        const hp = readLlamaHparams(g);
        const emb = g.tensor('token_embd.weight')!;
        expect(emb.shape).toEqual([hp.embeddingLength, hp.vocabSize]);
        const last = g.tensors.reduce((a, t) => (t.offset + t.byteLength > a.offset + a.byteLength ? t : a));
        expect(last.offset + last.byteLength).toBeLessThanOrEqual(g.source.size);
        expect(g.source.size - (last.offset + last.byteLength)).toBeLessThan(g.alignment);
      } finally {
        await g.source.close?.();
      }
    });
  }
  it('reads the spm4k hyper-parameters', async () => {
    const g = await openGgufFile(requireFixture('models/spm4k-Q4_K_M.gguf'));
    const hp = readLlamaHparams(g);
    expect(hp).toMatchObject({
      embeddingLength: 256,
      blockCount: 2,
      headCount: 8,
      headCountKv: 4,
      feedForwardLength: 768,
      vocabSize: 4096,
      headDim: 32,
    });
    const q = g.tensor('blk.0.attn_q.weight')!;
    expect(q.shape).toEqual([256, 256]);
    expect([GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K]).toContain(q.type);
    await g.source.close?.();
  });
});

// Dequantization must match llama.cpp bit for bit: every tensor in golden/dequant/index.json (gguf-py's
// dequantization of whole tensors of the spm4k fixture models) is read from its model, dequantized with the
// reference code, and compared as u32 bit patterns.
import { ggmlTypeByName } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, hasFixture, readF32, readFixtureJson } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { dequantize } from './registry.js';

interface DequantGolden {
  model: string;
  tensor: string;
  type: string;
  shape: number[];
  n_elements: number;
  file: string;
}

const INDEX = 'golden/dequant/index.json';
const goldens = hasFixture(INDEX) ? readFixtureJson<{ tensors: DequantGolden[] }>(INDEX).tensors : [];

/** Index of the first differing u32, or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

describe('dequantization goldens (llama.cpp, bit exact)', () => {
  it.skipIf(!hasFixture(INDEX))('covers every weight type llamats supports', () => {
    const types = new Set(goldens.map((g) => g.type));
    for (const t of ['F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K']) {
      expect(types).toContain(t);
    }
    expect(types).toContain('IQ4_NL');
    expect(types).toContain('IQ4_XS');
  });

  for (const g of goldens) {
    const model = `models/${g.model}`;
    const golden = `golden/dequant/${g.file}`;
    it.skipIf(!hasFixture(model) || !hasFixture(golden))(`${g.type}: ${g.model} ${g.tensor}`, async () => {
      const gguf = await openGgufFile(fixturePath(model)!);
      try {
        const t = gguf.tensors.find((x) => x.name === g.tensor);
        expect(t, g.tensor).toBeDefined();
        expect(t!.type).toBe(ggmlTypeByName(g.type)!.type);
        const bytes = await t!.source.read(t!.offset, t!.byteLength);
        const ours = new Float32Array(g.n_elements);
        dequantize(t!.type, bytes, ours, g.n_elements);
        const expected = readF32(golden);
        expect(expected.length).toBe(g.n_elements);
        const at = firstBitDifference(ours, expected);
        expect(at === -1 ? 'bit exact' : `element ${at}: ${ours[at]} vs ${expected[at]}`).toBe('bit exact');
      } finally {
        await gguf.source.close?.();
      }
    });
  }
});

// Quantizing must match llama.cpp's `llama-quantize` (no importance matrix) byte for byte: the spm4k models
// hold the same weights in every type, all quantized from spm4k-F32.gguf, so quantizing each F32 tensor with
// the reference quantizer must give back the bytes llama.cpp wrote, for every tensor of every type.
import { ggmlTypeInfo } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, hasFixture } from '@llamats/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantFormat, quantize } from './registry.js';

const F32_MODEL = 'models/spm4k-F32.gguf';
const MODELS = [
  'spm4k-F16',
  'spm4k-BF16',
  'spm4k-Q8_0',
  'spm4k-Q4_0',
  'spm4k-Q4_1',
  'spm4k-Q5_0',
  'spm4k-Q5_1',
  'spm4k-Q2_K',
  'spm4k-Q3_K_M',
  'spm4k-Q4_K_M',
  'spm4k-Q5_K_M',
  'spm4k-Q6_K',
  'spm4k-IQ4_NL',
  'spm4k-IQ4_XS',
];

describe.skipIf(!hasFixture(F32_MODEL))('requantizing the F32 fixture reproduces llama-quantize', () => {
  const originals = new Map<string, Float32Array>();
  beforeAll(async () => {
    const gguf = await openGgufFile(fixturePath(F32_MODEL)!);
    try {
      for (const t of gguf.tensors) {
        const b = await t.source.read(t.offset, t.byteLength);
        originals.set(t.name, new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
      }
    } finally {
      await gguf.source.close?.();
    }
  });
  afterAll(() => originals.clear());

  for (const name of MODELS) {
    const model = `models/${name}.gguf`;
    it.skipIf(!hasFixture(model))(name, async () => {
      const gguf = await openGgufFile(fixturePath(model)!);
      const checked: string[] = [];
      try {
        for (const t of gguf.tensors) {
          const info = ggmlTypeInfo(t.type);
          if (info.name === 'F32') continue;
          expect(quantFormat(t.type)?.quantize, `${info.name} quantizer`).toBeDefined();
          const x = originals.get(t.name)!;
          const theirs = await t.source.read(t.offset, t.byteLength);
          const ours = new Uint8Array(t.byteLength);
          quantize(t.type, x, ours, x.length);
          let badBlocks = 0;
          for (let b = 0; b < t.byteLength; b += info.bytesPerBlock) {
            for (let k = b; k < b + info.bytesPerBlock; k++) {
              if (ours[k] !== theirs[k]) {
                badBlocks++;
                break;
              }
            }
          }
          expect(`${t.name} (${info.name}): ${badBlocks} blocks differ`).toBe(
            `${t.name} (${info.name}): 0 blocks differ`,
          );
          checked.push(info.name);
        }
      } finally {
        await gguf.source.close?.();
      }
      expect(checked.length).toBeGreaterThan(10);
    });
  }
});

import { GgmlType, ggmlByteSize } from '@llamats/gguf-format';
import { dequantize } from '@llamats/tensor-core';
import { describe, expect, it } from 'vitest';
import { BlockPool } from './block-pool.js';
import { Rng } from './random.js';

describe('BlockPool', () => {
  it('holds quantized N(0, std) blocks', () => {
    const pool = new BlockPool(GgmlType.Q4_K, 0.02, 1, 1 << 14);
    expect(pool.blocks).toBe(64);
    const values = new Float32Array(pool.blocks * 256);
    dequantize(GgmlType.Q4_K, pool.data, values, values.length);
    const sd = Math.sqrt(values.reduce((s, x) => s + x * x, 0) / values.length);
    expect(sd).toBeGreaterThan(0.018);
    expect(sd).toBeLessThan(0.022);
  });

  it('writes rows as runs of pool blocks, wrapping when a row is longer than the pool', () => {
    const pool = new BlockPool(GgmlType.Q8_0, 0.02, 1, 32 * 4);
    const rowLength = 32 * 10;
    const out = new Uint8Array(ggmlByteSize(GgmlType.Q8_0, rowLength));
    const end = pool.writeRow(new Rng(5), rowLength, out, 0);
    expect(end).toBe(out.byteLength);
    // Every block of the row is one of the pool's blocks.
    const blocks = new Set<string>();
    for (let b = 0; b < pool.blocks; b++) blocks.add(pool.data.subarray(b * 34, (b + 1) * 34).join());
    for (let b = 0; b < 10; b++) expect(blocks.has(out.subarray(b * 34, (b + 1) * 34).join())).toBe(true);
  });

  it('gives different rows from different generator states', () => {
    const pool = new BlockPool(GgmlType.Q4_0, 0.02, 1);
    const rng = new Rng(9);
    const a = new Uint8Array(ggmlByteSize(GgmlType.Q4_0, 2048));
    const b = new Uint8Array(a.byteLength);
    pool.writeRow(rng, 2048, a, 0);
    pool.writeRow(rng, 2048, b, 0);
    expect(a).not.toEqual(b);
  });
});

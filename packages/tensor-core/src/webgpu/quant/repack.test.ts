// The GPU layout of every weight type: block sizes against gguf-format's table, padding only where a block
// is not a multiple of 4 bytes, and repacking that moves every block whole to its padded place.
import { ggmlTypeInfo } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { gpuWeightFormat, gpuWeightTypes } from './registry.js';
import { repackRows, rowGeometry } from './repack.js';

describe.each(gpuWeightTypes().map((type) => ({ type, name: ggmlTypeInfo(type).name })))('$name', ({ type }) => {
  const f = gpuWeightFormat(type)!;
  const info = ggmlTypeInfo(type);

  it('matches the ggml block and pads only unaligned blocks', () => {
    expect(f.blockElems).toBe(info.blockSize);
    expect(f.srcBlockBytes).toBe(info.bytesPerBlock);
    if (f.blockElems > 1) {
      expect(f.dstBlockBytes % 4).toBe(0);
      expect(f.dstBlockBytes - f.srcBlockBytes).toBe(f.srcBlockBytes % 4 === 0 ? 0 : 2);
    }
    expect(f.padFront).toBeLessThanOrEqual(f.dstBlockBytes - f.srcBlockBytes);
  });

  it('repacks rows block by block into word-aligned rows', () => {
    const cols = 2 * Math.max(f.blockElems, 32) + (f.blockElems === 1 ? 1 : 0); // odd F16/BF16 rows too
    const g = rowGeometry(f, cols);
    expect(g.dstRowBytes % 4).toBe(0);
    const src = Uint8Array.from({ length: 3 * g.srcRowBytes }, (_, i) => (i * 7 + 1) & 0xff);
    const dst = new Uint8Array(3 * g.dstRowBytes);
    repackRows(f, g, src, 3, dst);
    for (let r = 0; r < 3; r++) {
      for (let b = 0; b < g.blocksPerRow; b++) {
        const s = r * g.srcRowBytes + b * f.srcBlockBytes;
        const d = r * g.dstRowBytes + b * f.dstBlockBytes + f.padFront;
        expect(dst.subarray(d, d + f.srcBlockBytes)).toEqual(src.subarray(s, s + f.srcBlockBytes));
      }
    }
  });
});

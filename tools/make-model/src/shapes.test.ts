import { describe, expect, it } from 'vitest';
import { checkShape, customShape, headDim, namedShape, namedShapes, ShapeError } from './shapes.js';

describe('shapes', () => {
  it('names the BENCH.md shapes with their real dimensions', () => {
    const t = namedShape('tinyllama-shape');
    expect([t.nEmbd, t.nLayer, t.nHead, t.nHeadKv, t.nFf, t.nCtx]).toEqual([2048, 22, 32, 4, 5632, 2048]);
    const l = namedShape('llama7b-shape');
    expect([l.nEmbd, l.nLayer, l.nHead, l.nHeadKv, l.nFf, l.nCtx]).toEqual([4096, 32, 32, 32, 11008, 4096]);
    expect(headDim(t)).toBe(64);
    expect(headDim(l)).toBe(128);
    for (const s of Object.values(namedShapes)) expect(() => checkShape(s)).not.toThrow();
  });

  it('lists the known names when a shape is unknown', () => {
    expect(() => namedShape('llama70b')).toThrow(/tiny, tinyllama-shape, llama7b-shape/);
  });

  it('names a custom shape after what changed', () => {
    const s = customShape(namedShape('tiny'), { nLayer: 4, nFf: 768 });
    expect(s.name).toBe('tiny-l4-ff768');
    expect(s.nLayer).toBe(4);
    expect(s.nEmbd).toBe(256);
  });

  it('rejects shapes llama.cpp cannot load', () => {
    const tiny = namedShape('tiny');
    expect(() => customShape(tiny, { nHeadKv: 3 })).toThrow(ShapeError);
    expect(() => customShape(tiny, { nEmbd: 250 })).toThrow(/multiple of the 8 heads/);
    expect(() => customShape(tiny, { nFf: 500 })).toThrow(/multiples of 32/);
    expect(() => customShape(tiny, { nLayer: 0 })).toThrow(/positive integer/);
  });
});

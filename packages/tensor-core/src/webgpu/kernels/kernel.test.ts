// Kernel specs are pure data built from their arguments; memoKernel builds each distinct argument list
// once (ops look their kernel up on every call) and keeps distinct lists apart.
import { GgmlType } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { gpuWeightFormat } from '../quant/registry.js';
import { type KernelSpec, memoKernel } from './kernel.js';
import { matvecRowsKernel } from './matmul.js';
import { ropeThetaBase } from './rope.js';

describe('memoKernel', () => {
  it('builds once per distinct argument list: primitives by value, objects by identity', () => {
    let builds = 0;
    const make = memoKernel((name: string, caps: { f16: boolean }, n = 1): KernelSpec => {
      builds++;
      return { key: `${name}:${caps.f16}:${n}`, code: '', bindings: [], params: [] };
    });
    const caps = { f16: true };
    const a = make('k', caps, 2);
    expect(make('k', caps, 2)).toBe(a);
    expect(builds).toBe(1);
    expect(make('k', caps, 3).key).toBe('k:true:3');
    const other = make('k', { f16: true }, 2); // another caps object: built again, to the same source
    expect(other).not.toBe(a);
    expect(other.key).toBe(a.key);
    expect(builds).toBe(3);
  });

  it('gives the matrix-vector kernel one spec per format, tokens, caps and shape', () => {
    const q4k = gpuWeightFormat(GgmlType.Q4_K)!;
    const caps = { f16: false, subgroups: true };
    const shape = { workgroupSize: 64, rows: 2 };
    const spec = matvecRowsKernel(q4k, 1, caps, shape);
    expect(matvecRowsKernel(q4k, 1, caps, shape)).toBe(spec);
    // Q4_K has a 16-byte chunk layout: the kernel reads its weights as vec4s
    expect(spec.code).toContain('wv: array<vec4<u32>>');
    expect(matvecRowsKernel(gpuWeightFormat(GgmlType.Q8_0)!, 1, caps, shape).code).toContain('fn dq_chunk');
    expect(() => matvecRowsKernel(q4k, 8, { f16: false, subgroups: false }, { workgroupSize: 256, rows: 8 })).toThrow(
      /workgroup memory/,
    );
  });
});

it('RoPE frequency tables are computed once and hold freqScale * base^(-2i / nDims)', () => {
  const t = ropeThetaBase(8, 10000, 0.5);
  expect(ropeThetaBase(8, 10000, 0.5)).toBe(t);
  expect([...t]).toEqual([0.5, 0.5 * 10000 ** -0.25, 0.5 * 10000 ** -0.5, 0.5 * 10000 ** -0.75].map(Math.fround));
});

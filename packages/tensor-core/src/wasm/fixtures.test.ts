// The wasm kernels on real tensors of the fixture models (llama.cpp-quantized): row lookup must equal
// llama.cpp's own dequantization (golden/dequant, gguf-py) bit for bit for every weight type, and the
// matrix product of each golden tensor must agree with f64 math on those values.
import { ggmlTypeByName } from '@llamats/gguf-format';
import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, hasFixture, readF32, readFixtureJson } from '@llamats/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { randomValues } from './random-tensors.js';
import { createWasmBackend } from './wasm-backend.js';
import { matmulBound } from './weight-kernels.js';

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

describe('wasm kernels on fixture tensors', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createWasmBackend({ threads: 2, parallelThreshold: 0 });
  });
  afterAll(() => backend.dispose());

  for (const g of goldens) {
    const model = `models/${g.model}`;
    const golden = `golden/dequant/${g.file}`;
    it.skipIf(!hasFixture(model) || !hasFixture(golden))(`${g.type}: ${g.model} ${g.tensor}`, async () => {
      const gguf = await openGgufFile(fixturePath(model)!);
      try {
        const t = gguf.tensors.find((x) => x.name === g.tensor)!;
        expect(t.type).toBe(ggmlTypeByName(g.type)!.type);
        const [cols, rows] = g.shape;
        const w = backend.createWeight({ name: g.tensor, type: t.type, shape: g.shape });
        backend.uploadWeight(w, 0, await t.source.read(t.offset, t.byteLength));
        // every row, through the getRows kernel
        const out = backend.createTensor('rows', [rows, cols]);
        backend.getRows(
          out,
          w,
          Int32Array.from({ length: rows }, (_, i) => i),
        );
        const got = await backend.readTensor(out);
        const expected = readF32(golden);
        const a = new Uint32Array(got.buffer);
        const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
        let first = -1;
        for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== b[i]) first = i;
        expect(first === -1 ? 'bit exact' : `element ${first}: ${got[first]} vs ${expected[first]}`).toBe('bit exact');
        // a matrix product with 5 random tokens
        const n = 5;
        const xv = randomValues(n * cols, 17);
        const x = backend.createTensor('x', [n, cols]);
        backend.writeTensor(x, xv);
        const y = backend.createTensor('y', [n, rows]);
        backend.matmul(y, w, x, n);
        const result = await backend.readTensor(y);
        let num = 0;
        let den = 0;
        for (let tk = 0; tk < n; tk++) {
          for (let r = 0; r < rows; r++) {
            let s = 0;
            for (let c = 0; c < cols; c++) s += expected[r * cols + c] * xv[tk * cols + c];
            num += (result[tk * rows + r] - s) ** 2;
            den += s * s;
          }
        }
        expect(Math.sqrt(num / den)).toBeLessThan(matmulBound(t.type));
        for (const v of [w, out, x, y]) backend.free(v);
      } finally {
        await gguf.source.close?.();
      }
    });
  }
});

/**
 * Context shift correctness at the backend level: keys written at position p and then shifted by `delta`
 * must equal keys rotated for position p + delta directly (attention outputs compared, since the KV layout is
 * private to each backend). Checked for every backend against the same expectation.
 */
import { describe, expect, it } from 'vitest';
import type { Backend, RopeParams } from './backend.js';
import { ReferenceBackend } from './reference-backend.js';
import { createWasmBackend } from './wasm/wasm-backend.js';

const nHeadKv = 2;
const headDim = 16;
const nCtx = 12;
const kvDim = nHeadKv * headDim;

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

async function attentionAfter(backend: Backend, shift: boolean): Promise<Float32Array> {
  const rope: RopeParams = { nHead: nHeadKv, headDim, nDims: headDim, mode: 'normal', freqBase: 10000, freqScale: 1 };
  const cache = backend.createKvCache({ nLayer: 1, nCtx, nHeadKv, headDim, type: 'f32' });
  const n = 4;
  const k = backend.createTensor('k', [n, kvDim]);
  const v = backend.createTensor('v', [n, kvDim]);
  backend.writeTensor(k, random(n * kvDim, 1));
  backend.writeTensor(v, random(n * kvDim, 2));
  // shift: keys rotated at positions 6..9 in cells 6..9, then moved to cells 2..5 (delta -4);
  // direct: keys rotated at positions 2..5 written to cells 2..5. Cells 0..1 hold the same pair in both.
  const pos = shift ? [6, 7, 8, 9] : [2, 3, 4, 5];
  backend.rope(k, Int32Array.from(pos), rope);
  const head = backend.createTensor('head', [2, kvDim]);
  backend.writeTensor(head, random(2 * kvDim, 3));
  backend.rope(head, Int32Array.of(0, 1), rope);
  backend.writeKv(cache, 0, 0, head, head, 2);
  backend.writeKv(cache, 0, pos[0], k, v, n);
  if (shift) backend.shiftKv(cache, 6, 2, n, -4, rope);
  const q = backend.createTensor('q', [1, kvDim]);
  backend.writeTensor(q, random(kvDim, 4));
  const out = backend.createTensor('out', [1, kvDim]);
  backend.attention(out, q, cache, 0, 1, { nHead: nHeadKv, nHeadKv, headDim, pos0: 5, scale: 0.25 });
  return backend.readTensor(out);
}

const backends: [string, () => Promise<Backend>][] = [
  ['reference', async () => new ReferenceBackend()],
  ['wasm', () => createWasmBackend({ threads: 1 })],
];

describe('shiftKv re-rotates moved keys exactly', () => {
  for (const [name, make] of backends) {
    it(name, async () => {
      const b = await make();
      try {
        const direct = await attentionAfter(b, false);
        const shifted = await attentionAfter(b, true);
        for (let i = 0; i < direct.length; i++) expect(shifted[i]).toBeCloseTo(direct[i], 5);
      } finally {
        b.dispose();
      }
    });
  }
});

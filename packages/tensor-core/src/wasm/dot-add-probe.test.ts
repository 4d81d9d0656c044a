// The probe that picks the fused dot-add (VNNI) kernel build: its decision rule on given timings, its
// verdict on this engine, and the VNNI build's products against the relaxed build's, bit for bit.
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import {
  type DotAddProbeExports,
  expectedFusedSum,
  measureDotAdd,
  ONE_INSTRUCTION_RATIO,
  probeDotAdd,
} from './dot-add-probe.js';
import { relaxedSimdAvailable } from './environment.js';
import { randomRawBlocks, randomValues } from './random-tensors.js';
import { createWasmBackend } from './wasm-backend.js';

/** A probe whose calls take `fusedMs` and `pairsMs` on a fake clock; `fused` returns `sum(n, seed)`. */
function fakeProbe(fusedMs: number, pairsMs: number, sum: (n: number, seed: number) => number) {
  let clock = 0;
  const probe: DotAddProbeExports = {
    fused: (n, seed) => {
      clock += fusedMs;
      return sum(n, seed);
    },
    pairs: () => {
      clock += pairsMs;
      return 0;
    },
  };
  return { probe, now: () => clock };
}

describe('fused dot-add probe', () => {
  it('takes the dot-add for one instruction only where its chain is clearly slower than the pair sums', () => {
    const one = fakeProbe(1.25, 0.5, expectedFusedSum);
    expect(measureDotAdd(one.probe, one.now)).toEqual({ correct: true, ratio: 2.5, oneInstruction: true });
    const emulated = fakeProbe(0.575, 0.5, expectedFusedSum);
    const r = measureDotAdd(emulated.probe, emulated.now);
    expect(r.correct).toBe(true);
    expect(r.ratio).toBeCloseTo(1.15, 6);
    expect(r.oneInstruction).toBe(false);
    expect(ONE_INSTRUCTION_RATIO).toBeGreaterThan(1.6); // above the baseline tier's 1.4-1.6
  });

  it('refuses an engine whose dot-add sums are wrong, however fast', () => {
    const wrong = fakeProbe(1.25, 0.5, (n, seed) => 2 * expectedFusedSum(n, seed));
    expect(measureDotAdd(wrong.probe, wrong.now)).toMatchObject({ correct: false, oneInstruction: false });
  });

  it('computes the expected sum of a few rounds by hand', () => {
    // seed 0x105: levels 5, activations 5 + k (k = 0..7) in the first round, all 16 lanes x 5 each
    expect(expectedFusedSum(1, 0x105)).toBe(16 * 5 * (5 + 6 + 7 + 8 + 9 + 10 + 11 + 12));
    // activations wrap as bytes: 127 + 1 is -128
    expect(expectedFusedSum(1, 0x17f)).toBe(16 * 63 * (127 - 128 - 127 - 126 - 125 - 124 - 123 - 122));
  });

  it('gives this engine a verdict the backend follows', async () => {
    const relaxed = await relaxedSimdAvailable(true);
    const verdict = await probeDotAdd();
    if (verdict.correct) expect(verdict.ratio).toBeGreaterThan(0);
    const backend = await createWasmBackend({ threads: 1 });
    expect(backend.info.detail.includes('fused dot-add')).toBe(relaxed && verdict.oneInstruction);
    backend.dispose();
    const off = await createWasmBackend({ threads: 1, vnni: false });
    expect(off.info.detail).not.toContain('fused dot-add');
    off.dispose();
    if (relaxed) {
      await expect(createWasmBackend({ threads: 1, vnni: 'yes' as unknown as boolean })).rejects.toThrow(
        /vnni must be true, false or 'auto', not "yes"/,
      );
    }
    if (relaxed && !verdict.correct) {
      await expect(createWasmBackend({ threads: 1, vnni: true })).rejects.toThrow(/computes the fused dot-add wrongly/);
    }
  });
});

const dotAddRight = (await relaxedSimdAvailable(true)) && (await probeDotAdd()).correct;

describe.skipIf(!dotAddRight)(
  `fused dot-add build${dotAddRight ? '' : ' (skipped: this engine computes the fused dot-add wrongly)'}`,
  () => {
    it('multiplies exactly as the relaxed build, bit for bit, decode and batched, threaded', async () => {
      const builds = [
        await createWasmBackend({ threads: 2, vnni: false, parallelThreshold: 0 }),
        await createWasmBackend({ threads: 2, vnni: true, parallelThreshold: 0 }),
      ];
      expect(builds[1].info.detail).toContain('fused dot-add');
      const rows = 37;
      const cols = 1024;
      const n = 9;
      const xv = randomValues(n * cols, 4);
      for (const type of [
        GgmlType.Q4_0,
        GgmlType.Q4_1,
        GgmlType.Q5_0,
        GgmlType.Q8_0,
        GgmlType.IQ4_NL,
        GgmlType.IQ4_XS,
        GgmlType.Q4_K,
        GgmlType.Q6_K,
      ]) {
        const bytes = randomRawBlocks(type, rows, cols, 7 + type);
        const outputs: Float32Array[][] = [];
        for (const b of builds) {
          const w = b.createWeight({ name: 'w', type, shape: [cols, rows] });
          b.uploadWeight(w, 0, bytes);
          const x = b.createTensor('x', [n, cols]);
          b.writeTensor(x, xv);
          const out = b.createTensor('out', [n, rows]);
          const got: Float32Array[] = [];
          for (const m of [1, n]) {
            b.matmul(out, w, x, m);
            got.push(await b.readTensor(out, 0, m * rows));
          }
          outputs.push(got);
          for (const t of [w, x, out]) b.free(t);
        }
        for (let i = 0; i < 2; i++) {
          const [a, v] = [outputs[0][i], outputs[1][i]];
          const differ = a.findIndex((value, j) => !Object.is(value, v[j]));
          expect(differ, `${ggmlTypeInfo(type).name}, ${i ? n : 1} tokens`).toBe(-1);
        }
      }
      for (const b of builds) b.dispose();
    });
  },
);

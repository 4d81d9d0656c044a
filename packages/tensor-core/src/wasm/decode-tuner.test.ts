// The decode streaming variants (touch bursts, two rows per pass) change only the speed: every variant
// gives the same products bit for bit, and the tuner keeps the variant it measured fastest.
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../backend.js';
import { DecodeTuner, type DecodeVariant, MODE_PAIRS, MODE_TOUCH, TUNED_MIN_BYTES } from './decode-tuner.js';
import { randomValues, randomWeightBytes } from './random-tensors.js';
import { createWasmBackend, type WasmBackend } from './wasm-backend.js';
import { wasmWeightTypes } from './weight-kernels.js';

const VARIANTS: DecodeVariant[] = [
  { touch: false, pairs: false },
  { touch: true, pairs: false },
  { touch: false, pairs: true },
  { touch: true, pairs: true },
];

describe('DecodeTuner', () => {
  it('cycles through the four variants on large weights, then keeps the one with the lowest median time per byte', () => {
    const tuner = new DecodeTuner(undefined, 5);
    const cost = new Map([
      [0, 3],
      [MODE_TOUCH, 2],
      [MODE_PAIRS, 4],
      [MODE_TOUCH | MODE_PAIRS, 5],
    ]);
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const { flags, timed } = tuner.next(TUNED_MIN_BYTES * 2);
      expect(timed).toBe(true);
      seen.add(flags);
      // one outlier per variant does not move its median
      const ms = i < 4 ? 100 : cost.get(flags)!;
      tuner.record(flags, TUNED_MIN_BYTES * 2, ms);
    }
    expect(seen.size).toBe(4);
    expect(tuner.tuning().chosen).toEqual({ touch: true, pairs: false });
    expect(tuner.next(TUNED_MIN_BYTES * 2)).toEqual({ flags: MODE_TOUCH, timed: false });
    // small weights, and a chosen variant, are never timed
    expect(tuner.next(1000)).toEqual({ flags: MODE_TOUCH, timed: false });
  });

  it('keeps the plain variant unless another is more than 3% faster', () => {
    const tuner = new DecodeTuner(undefined, 3);
    for (let i = 0; i < 12; i++) {
      const { flags } = tuner.next(TUNED_MIN_BYTES);
      tuner.record(flags, TUNED_MIN_BYTES, flags === MODE_PAIRS ? 0.98 : 1);
    }
    expect(tuner.tuning().chosen).toEqual({ touch: false, pairs: false });
  });

  it('uses the plain variant untimed for small weights while it is still measuring', () => {
    const tuner = new DecodeTuner();
    expect(tuner.next(TUNED_MIN_BYTES - 1)).toEqual({ flags: 0, timed: false });
    expect(tuner.tuning().chosen).toBeUndefined();
    expect(tuner.tuning().variants.every((v) => v.samples === 0 && v.nsPerByte === undefined)).toBe(true);
  });

  it('measures nothing when the variant is fixed', () => {
    const tuner = new DecodeTuner({ touch: false, pairs: true });
    expect(tuner.next(TUNED_MIN_BYTES * 4)).toEqual({ flags: MODE_PAIRS, timed: false });
    expect(tuner.tuning()).toMatchObject({ chosen: { touch: false, pairs: true }, source: 'fixed' });
  });
});

describe('decode streaming variants of the wasm backend', () => {
  const backends: WasmBackend[] = [];
  beforeAll(async () => {
    for (const v of VARIANTS) {
      backends.push((await createWasmBackend({ threads: 2, parallelThreshold: 0, decodeStreaming: v })) as WasmBackend);
    }
  });
  afterAll(() => {
    for (const b of backends) b.dispose();
  });

  /** Decode products (1 and 3 tokens) of `bytes` on `backend`. */
  async function products(
    backend: WasmBackend,
    type: GgmlType,
    bytes: Uint8Array,
    rows: number,
    cols: number,
    xv: Float32Array,
  ) {
    const w = backend.createWeight({ name: 'w', type, shape: [cols, rows] });
    backend.uploadWeight(w, 0, bytes);
    const x = backend.createTensor('x', [3, cols]);
    backend.writeTensor(x, xv);
    const out = backend.createTensor('out', [3, rows]);
    backend.matmul(out, w, x, 1);
    const one = await backend.readTensor(out, 0, rows);
    backend.matmul(out, w, x, 3);
    const three = await backend.readTensor(out);
    for (const t of [w, x, out]) backend.free(t);
    return [one, three];
  }

  for (const type of wasmWeightTypes()) {
    const name = ggmlTypeInfo(type).name;
    it(`${name}: every variant gives the same decode products bit for bit (2 threads, long row chunks)`, async () => {
      // 301 rows: an odd count (a last row without a pair) over several chunks per thread
      const rows = 301;
      // super-block types: six, a group of four and a tail of two in the decode products
      const cols = ggmlTypeInfo(type).blockSize === 1 ? 520 : 1536;
      const bytes = randomWeightBytes(type, rows, cols, 40 + type);
      const xv = randomValues(3 * cols, 9 + type);
      const [want1, want3] = await products(backends[0], type, bytes, rows, cols, xv);
      expect(want1.every(Number.isFinite) && want1.some((v) => v !== 0)).toBe(true);
      for (const backend of backends.slice(1)) {
        const [got1, got3] = await products(backend, type, bytes, rows, cols, xv);
        expect(Buffer.from(got1.buffer).equals(Buffer.from(want1.buffer))).toBe(true);
        expect(Buffer.from(got3.buffer).equals(Buffer.from(want3.buffer))).toBe(true);
      }
    });
  }

  it('rejects a decodeStreaming option that is neither auto nor a variant, saying what it takes', async () => {
    for (const bad of ['fast', { touch: true }, { touch: 'yes', pairs: false }, 1]) {
      await expect(createWasmBackend({ threads: 1, decodeStreaming: bad as unknown as DecodeVariant })).rejects.toThrow(
        /decodeStreaming must be 'auto' or \{ touch: boolean, pairs: boolean \}/,
      );
    }
    await expect(createWasmBackend({ threads: 1, decodeStreaming: 'fast' as 'auto' })).rejects.toBeInstanceOf(
      BackendError,
    );
  });

  it("'auto' settles on a variant after timing products of a large weight, with the same results", async () => {
    const auto = (await createWasmBackend({ threads: 2 })) as WasmBackend;
    try {
      const type = GgmlType.Q4_K;
      const cols = 2048;
      const rows = Math.ceil(TUNED_MIN_BYTES / ((cols / 256) * ggmlTypeInfo(type).bytesPerBlock)) + 16;
      const bytes = randomWeightBytes(type, rows, cols, 77);
      const w = auto.createWeight({ name: 'w', type, shape: [cols, rows] });
      auto.uploadWeight(w, 0, bytes);
      const xv = randomValues(cols, 5);
      const x = auto.createTensor('x', [1, cols]);
      auto.writeTensor(x, xv);
      const out = auto.createTensor('out', [1, rows]);
      let first: Float32Array | undefined;
      for (let i = 0; i < 4 * 32 && auto.decodeTuning().chosen === undefined; i++) {
        auto.matmul(out, w, x, 1);
        const got = await auto.readTensor(out);
        first ??= got;
        expect(Buffer.from(got.buffer).equals(Buffer.from(first.buffer))).toBe(true);
      }
      const tuning = auto.decodeTuning();
      expect(tuning.source).toBe('measured');
      expect(tuning.chosen).toBeDefined();
      expect(tuning.variants.every((v) => v.samples === 32 && v.nsPerByte! > 0)).toBe(true);
      const padded = new Float32Array(3 * cols);
      padded.set(xv);
      const [want] = await products(backends[0], type, bytes, rows, cols, padded);
      expect(Buffer.from(first!.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    } finally {
      auto.dispose();
    }
  });
});

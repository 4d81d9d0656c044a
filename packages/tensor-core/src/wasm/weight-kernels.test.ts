// Every weight type of the wasm kernels against the reference: row lookup (getRows) must equal the
// reference dequantizer bit for bit; matrix products must agree with f64 math on the dequantized weights
// within the documented bounds (8-bit activation quantization, as llama.cpp does, costs ~0.6% rel-RMS).
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { f16ToF32 } from '../f16.js';
import { dequantize, quantize, supportedWeightTypes } from '../quant/registry.js';
import { probeDotAdd } from './dot-add-probe.js';
import { relaxedSimdAvailable } from './environment.js';
import { randomRawBlocks, randomValues, randomWeightBytes, withSubnormalScales } from './random-tensors.js';
import { exactProducts, relRms } from './reference-products.js';
import { createWasmBackend } from './wasm-backend.js';
import { type KernelBuild, matmulBound, productMode, wasmWeightTypes, weightKernels } from './weight-kernels.js';

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Columns per row: several super-blocks, and a length that is not a multiple of 8 for plain floats. */
function colsFor(type: GgmlType): number {
  const { blockSize } = ggmlTypeInfo(type);
  // super-block types: seven super-blocks, one group of four in the decode products and a tail of three
  return blockSize === 1 ? 1030 : blockSize === 256 ? 1792 : 1024;
}

// The fused dot-add build runs wherever the engine computes the instruction right (Node 22 and later,
// Chromium; not Node 20, whose V8 gets it wrong: there the browser check covers it).
const dotAddRight = (await relaxedSimdAvailable(true)) && (await probeDotAdd()).correct;

describe.each([
  ['SIMD-128', false, false],
  ['relaxed SIMD where the engine has it', 'auto', false],
  [
    `relaxed SIMD with the fused dot-add${dotAddRight ? '' : ' (skipped: this engine computes it wrongly)'}`,
    'auto',
    true,
  ],
] as const)('wasm weight kernels (%s)', (_, relaxedSimd, vnni) => {
  if (vnni && !dotAddRight) {
    it.skip('needs an engine that computes the fused dot-add right', () => {});
    return;
  }
  let backend: Backend;
  let relaxed = false;
  beforeAll(async () => {
    backend = await createWasmBackend({ threads: 1, relaxedSimd, vnni });
    relaxed = backend.info.detail.includes('relaxed');
  });
  afterAll(() => backend.dispose());

  /**
   * `bytes` (`rows x cols` of `type`) uploaded and multiplied with `n` activation rows (`activations`: random
   * ones from a seed, or the values themselves), for each token count of `counts`: each result within
   * `bound` rel-RMS of f64 math on the dequantized weights. Returns the tensors (the caller frees them) and
   * the activations, for further checks.
   */
  async function checkProducts(
    type: GgmlType,
    bytes: Uint8Array,
    rows: number,
    cols: number,
    n: number,
    counts: readonly number[],
    activations: number | Float32Array,
    bound: number,
  ) {
    const W = new Float32Array(rows * cols);
    dequantize(type, bytes, W, rows * cols);
    const w = backend.createWeight({ name: `${ggmlTypeInfo(type).name}.w`, type, shape: [cols, rows] });
    backend.uploadWeight(w, 0, bytes);
    const xv = typeof activations === 'number' ? randomValues(n * cols, activations) : activations;
    const x = backend.createTensor('x', [n, cols]);
    backend.writeTensor(x, xv);
    const out = backend.createTensor('out', [n, rows]);
    for (const m of counts) {
      backend.matmul(out, w, x, m);
      const got = await backend.readTensor(out, 0, m * rows);
      expect(relRms(got, exactProducts(W, xv, m, rows, cols)), `${m} tokens`).toBeLessThan(bound);
    }
    return { w, x, out, xv };
  }

  it('cover every type the reference dequantizers cover', () => {
    expect(wasmWeightTypes()).toEqual(supportedWeightTypes());
  });

  for (const type of wasmWeightTypes()) {
    const name = ggmlTypeInfo(type).name;
    for (const [kind, make] of [
      ['quantized values', randomWeightBytes],
      ['raw random blocks', randomRawBlocks],
    ] as const) {
      it(`${name}: getRows equals the reference dequantizer bit for bit (${kind})`, async () => {
        const rows = 12;
        const cols = colsFor(type);
        const bytes = make(type, rows, cols, 11 + type);
        const expected = new Float32Array(rows * cols);
        dequantize(type, bytes, expected, rows * cols);
        const w = backend.createWeight({ name: `${name}.w`, type, shape: [cols, rows] });
        backend.uploadWeight(w, 0, bytes);
        const ids = Int32Array.from({ length: rows }, (_, i) => (i * 7) % rows);
        const out = backend.createTensor('rows', [rows, cols]);
        backend.getRows(out, w, ids);
        const got = await backend.readTensor(out);
        const want = new Float32Array(rows * cols);
        ids.forEach((id, i) => {
          want.set(expected.subarray(id * cols, (id + 1) * cols), i * cols);
        });
        const gb = bits(got);
        const wb = bits(want);
        let first = -1;
        for (let i = 0; i < gb.length && first < 0; i++) if (gb[i] !== wb[i]) first = i;
        expect(first === -1 ? 'bit exact' : `element ${first}: ${got[first]} vs ${want[first]}`).toBe('bit exact');
        backend.free(w);
        backend.free(out);
      });
    }

    it(`${name}: matmul agrees with f64 math within ${matmulBound(type)} (1, 3 and 6 tokens)`, async () => {
      const rows = 37;
      const cols = colsFor(type);
      const n = 6;
      const bytes = randomWeightBytes(type, rows, cols, 5 + type);
      const { w, x, out, xv } = await checkProducts(type, bytes, rows, cols, n, [1, 3, n], 3 + type, matmulBound(type));
      // a token's result does not depend on the batch it is computed in: bit for bit with the SIMD-128
      // kernels; the relaxed kernels, and the placed types (Q2_K .. Q6_K) in both builds, sum decode
      // products in another order (f32 rounding apart)
      backend.matmul(out, w, x, n);
      const batched = await backend.readTensor(out, 0, n * rows);
      for (let t = 0; t < n; t++) {
        const one = backend.createTensor('x1', [1, cols]);
        const o1 = backend.createTensor('o1', [1, rows]);
        backend.writeTensor(one, xv.subarray(t * cols, (t + 1) * cols));
        backend.matmul(o1, w, one, 1);
        const single = await backend.readTensor(o1);
        const inBatch = batched.subarray(t * rows, (t + 1) * rows);
        if (relaxed || weightKernels(type)?.place) expect(relRms(single, inBatch)).toBeLessThan(1e-6);
        else expect(Array.from(single)).toEqual(Array.from(inBatch));
        backend.free(one);
        backend.free(o1);
      }
      for (const t of [w, x, out]) backend.free(t);
    });
  }

  // Batched products may compute two rows per pass (unpacked8.ts dot32x8Pair4, unpacked.ts dot32x4Pair, dotK4Pair):
  // a row's result must not depend on the row it is paired with, nor on being paired at all (37 rows:
  // 16-row chunks of 8 pairs, then 2 pairs and a single row).
  for (const type of [
    GgmlType.Q4_0,
    GgmlType.Q4_1,
    GgmlType.Q5_0,
    GgmlType.Q5_1,
    GgmlType.Q4_K,
    GgmlType.Q5_K,
    GgmlType.Q6_K,
    GgmlType.Q8_0,
    GgmlType.IQ4_NL,
    GgmlType.IQ4_XS,
  ]) {
    it(`${ggmlTypeInfo(type).name}: a row's batched result is the same bits alone as inside a matrix`, async () => {
      const rows = 37;
      const cols = colsFor(type);
      const n = 8;
      const rowBytes = (cols / ggmlTypeInfo(type).blockSize) * ggmlTypeInfo(type).bytesPerBlock;
      const bytes = randomWeightBytes(type, rows, cols, 23 + type);
      const xv = randomValues(n * cols, 29 + type);
      const x = backend.createTensor('x', [n, cols]);
      backend.writeTensor(x, xv);
      const w = backend.createWeight({ name: 'all', type, shape: [cols, rows] });
      backend.uploadWeight(w, 0, bytes);
      const out = backend.createTensor('out', [n, rows]);
      backend.matmul(out, w, x, n);
      const all = await backend.readTensor(out);
      for (const r of [0, 1, 17, 34, 35, 36]) {
        const w1 = backend.createWeight({ name: `row${r}`, type, shape: [cols, 1] });
        backend.uploadWeight(w1, 0, bytes.subarray(r * rowBytes, (r + 1) * rowBytes));
        const o1 = backend.createTensor('o1', [n, 1]);
        backend.matmul(o1, w1, x, n);
        const alone = await backend.readTensor(o1);
        const inMatrix = Float32Array.from({ length: n }, (_, t) => all[t * rows + r]);
        expect(Array.from(bits(alone)), `row ${r}`).toEqual(Array.from(bits(inMatrix)));
        backend.free(w1);
        backend.free(o1);
      }
      for (const t of [w, x, out]) backend.free(t);
    });
  }

  it("productMode: the fused product for decode and, in relaxed builds, up to a type's relaxedFusedUpTo tokens; Q8_0's 8-bit batches in the VNNI build only", () => {
    const modes = (type: GgmlType, build: KernelBuild) =>
      [1, 3, 4, 6, 7, 512].map((n) => productMode(weightKernels(type)!, n, build));
    const batched = (mode: string) => ['fused', 'fused', mode, mode, mode, mode];
    expect(modes(GgmlType.Q4_K, 'relaxed')).toEqual(['fused', 'fused', 'fused', 'fused', 'unpacked8', 'unpacked8']);
    expect(modes(GgmlType.Q4_K, 'vnni')).toEqual(modes(GgmlType.Q4_K, 'relaxed'));
    expect(modes(GgmlType.Q4_K, 'simd128')).toEqual(batched('unpacked'));
    expect(modes(GgmlType.Q6_K, 'relaxed')).toEqual(batched('unpacked8'));
    expect(modes(GgmlType.Q8_0, 'simd128')).toEqual(batched('unpacked'));
    expect(modes(GgmlType.Q8_0, 'relaxed')).toEqual(batched('unpacked'));
    expect(modes(GgmlType.Q8_0, 'vnni')).toEqual(batched('unpacked8'));
  });

  // Batched products take 4 tokens per pass; a tail of 3 tokens takes one more 4-token pass over the last four
  // tokens (assembly/matmul.ts tokenPasses), shorter tails one-token passes. A token's result must not depend
  // on which of these computed it: 7 and 11 tokens (a tail pass that overlaps the pass before), 9 and 10 (one-
  // token passes), each token bit for bit as in a batch of 12 (passes of 4 only). (From 7 tokens every type
  // takes the batched product: weight-kernels.ts productMode.)
  for (const type of wasmWeightTypes()) {
    it(`${ggmlTypeInfo(type).name}: batched results are the same bits whatever the batch's length (7, 9, 10, 11, 12 tokens)`, async () => {
      const rows = 19;
      const cols = colsFor(type);
      const bytes = randomWeightBytes(type, rows, cols, 31 + type);
      const xv = randomValues(12 * cols, 37 + type);
      expect(productMode(weightKernels(type)!, 7, 'vnni')).not.toBe('fused');
      const x = backend.createTensor('x', [12, cols]);
      backend.writeTensor(x, xv);
      const w = backend.createWeight({ name: 'w', type, shape: [cols, rows] });
      backend.uploadWeight(w, 0, bytes);
      const out = backend.createTensor('out', [12, rows]);
      backend.matmul(out, w, x, 12);
      const all = bits(await backend.readTensor(out));
      for (const n of [7, 9, 10, 11]) {
        backend.writeTensor(out, new Float32Array(12 * rows).fill(Number.NaN));
        backend.matmul(out, w, x, n);
        const got = bits(await backend.readTensor(out, 0, n * rows));
        expect(Array.from(got), `${n} tokens`).toEqual(Array.from(all.subarray(0, n * rows)));
      }
      for (const t of [w, x, out]) backend.free(t);
    });
  }

  // The relaxed batched products of the 4- and 5-bit formats add a group's products up in i16 lanes, the
  // offset formats from -2^k times the activations' lane sums (unpacked8.ts startLanes): i16 adds wrap on the
  // way, and the sums of (q - 2^k) * a must end in range at the extremes. Every weight at its lowest level but
  // one per block at its highest, activations all +1 or all -1 (levels +-127): each lane's 16 products are
  // then the largest there can be (16 * 16 * 127 = 32512 for the 5-bit formats).
  for (const type of [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K]) {
    it(`${ggmlTypeInfo(type).name}: batched products stay exact at the extreme levels`, async () => {
      const rows = 3;
      const cols = 512;
      const n = 8;
      const values = new Float32Array(rows * cols).fill(-1);
      for (let i = 0; i < values.length; i += 32) values[i + (i % 7)] = 1;
      const bytes = new Uint8Array(((rows * cols) / ggmlTypeInfo(type).blockSize) * ggmlTypeInfo(type).bytesPerBlock);
      quantize(type, values, bytes, rows * cols);
      const xv = new Float32Array(n * cols);
      for (let t = 0; t < n; t++) xv.fill(t % 2 === 0 ? 1 : -1, t * cols, (t + 1) * cols);
      const { w, x, out } = await checkProducts(type, bytes, rows, cols, n, [n], xv, 1e-5);
      for (const t of [w, x, out]) backend.free(t);
    });
  }

  // Q8_0 levels span -128..127 (ggml's quantizer writes -127..127; other tools may write -128), and the VNNI
  // build's batched product takes them as the signed operands against activations split by sign
  // (unpacked8.ts dotSplit8Pair4): every level -128 or 127, activations at +-127, batches of 8 and decode.
  it('Q8_0: products stay exact at levels -128 and 127, batched and decode', async () => {
    const rows = 5;
    const cols = 480; // 15 blocks: three groups of four and a padded one
    const bytes = new Uint8Array((rows * cols * 34) / 32);
    for (let b = 0; b < (rows * cols) / 32; b++) {
      bytes[b * 34] = 0x00; // d = 2^-10 (half 0x1400)
      bytes[b * 34 + 1] = 0x14;
      for (let j = 0; j < 32; j++) bytes[b * 34 + 2 + j] = (b + j) % 3 === 0 ? 127 : 0x80;
    }
    const n = 8;
    const xv = new Float32Array(n * cols);
    for (let i = 0; i < xv.length; i++) xv[i] = (i * 7) % 5 < 2 ? 1 : -1;
    const { w, x, out } = await checkProducts(GgmlType.Q8_0, bytes, rows, cols, n, [1, n], xv, 1e-6);
    for (const t of [w, x, out]) backend.free(t);
  });

  // Q4_0 and Q4_1 rows placed in groups of four blocks (relaxed builds, formats/groups4.ts) add a group's eight level
  // vectors' pair sums in i16 lanes before widening: at most 8 * 2 * 15 * 127 = 30480, reached with every
  // level but one a block at 15 and every activation at +127. 15 blocks a row (480 columns) leave three
  // blocks after the last whole group, in ggml's order, as are their activations.
  for (const [type, cols] of [
    [GgmlType.Q4_0, 512],
    [GgmlType.Q4_0, 480],
    [GgmlType.Q4_1, 480],
  ] as const) {
    it(`${ggmlTypeInfo(type).name}: decode products stay exact at the highest levels (${cols} columns, 1 and 3 tokens)`, async () => {
      const rows = 5;
      const n = 3;
      const values = new Float32Array(rows * cols).fill(0.875);
      // Q4_0: d = 1/8, the others quantize to 15; Q4_1: min -1, the others at the top level, 15
      for (let i = 0; i < values.length; i += 32) values[i] = -1;
      const bytes = new Uint8Array((rows * cols * ggmlTypeInfo(type).bytesPerBlock) / 32);
      quantize(type, values, bytes, rows * cols);
      const xv = new Float32Array(n * cols).fill(1);
      const { w, x, out } = await checkProducts(type, bytes, rows, cols, n, [1, n], xv, 1e-5);
      for (const t of [w, x, out]) backend.free(t);
    });
  }

  for (const type of [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1]) {
    it(`${ggmlTypeInfo(type).name}: products of rows with blocks after the last whole group agree with f64 math`, async () => {
      const rows = 9;
      const cols = 32 * 7;
      const bytes = randomWeightBytes(type, rows, cols, 41);
      const { w, x, out } = await checkProducts(type, bytes, rows, cols, 6, [1, 3, 6], 43, matmulBound(type));
      for (const t of [w, x, out]) backend.free(t);
    });
  }

  // Activation quantization takes each block's largest magnitude as an integer maximum of the magnitude
  // bits (assembly/activations.ts absMax): a NaN activation must still make every product it enters NaN,
  // in decode and batched products, not a finite value from garbage levels.
  for (const type of [GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K]) {
    it(`${ggmlTypeInfo(type).name}: a NaN activation gives NaN products, 1 and 8 tokens`, async () => {
      const rows = 5;
      const cols = colsFor(type);
      const w = backend.createWeight({ name: 'nan', type, shape: [cols, rows] });
      backend.uploadWeight(w, 0, randomWeightBytes(type, rows, cols, 41 + type));
      for (const n of [1, 8]) {
        const xv = randomValues(n * cols, 43 + n);
        xv[(n - 1) * cols + 300] = Number.NaN; // the last token only
        const x = backend.createTensor('x', [n, cols]);
        backend.writeTensor(x, xv);
        const out = backend.createTensor('out', [n, rows]);
        backend.matmul(out, w, x, n);
        const got = await backend.readTensor(out);
        for (let t = 0; t < n; t++) {
          const row = Array.from(got.subarray(t * rows, (t + 1) * rows));
          if (t === n - 1) expect(row.every(Number.isNaN), `token ${t}`).toBe(true);
          else expect(row.some(Number.isNaN), `token ${t}`).toBe(false);
        }
        backend.free(x);
        backend.free(out);
      }
      backend.free(w);
    });
  }

  // Subnormal halves are converted without subnormal f32 arithmetic (assembly/common.ts): exactly.
  it('F16 products convert every finite half exactly, subnormals included', async () => {
    const halves: number[] = [];
    for (let h = 0; h < 0x10000; h++) if ((h & 0x7c00) !== 0x7c00) halves.push(h);
    // cols 4: the SIMD loop of the F16 row product; cols 1: its scalar tail
    for (const cols of [4, 1]) {
      const rows = halves.length;
      const raw = new Uint16Array(rows * cols);
      for (let r = 0; r < rows; r++) raw[r * cols] = halves[r];
      const w = backend.createWeight({ name: `f16.all${cols}`, type: GgmlType.F16, shape: [cols, rows] });
      backend.uploadWeight(w, 0, new Uint8Array(raw.buffer));
      const x = backend.createTensor('x', [1, cols]);
      const xv = new Float32Array(cols);
      xv[0] = 1;
      backend.writeTensor(x, xv);
      const out = backend.createTensor('out', [1, rows]);
      backend.matmul(out, w, x, 1);
      const got = await backend.readTensor(out);
      let wrong = 0;
      for (let r = 0; r < rows; r++) if (got[r] !== f16ToF32(halves[r])) wrong++;
      expect(wrong, `cols ${cols}: values converted wrongly`).toBe(0);
      for (const t of [w, x, out]) backend.free(t);
    }
  });

  it.each(wasmWeightTypes().filter((t) => ggmlTypeInfo(t).blockSize > 1))(
    'type %s: products with subnormal block scales agree with f64 math',
    async (type) => {
      const rows = 8;
      const cols = colsFor(type);
      const bytes = withSubnormalScales(type, randomWeightBytes(type, rows, cols, 11 + type), 17 + type);
      // twice the usual bound: random independent scale and min fields cancel more than quantized
      // blocks do (a wrong conversion is off by orders of magnitude, not by a factor of two)
      const n = 5;
      const { w, x, out } = await checkProducts(type, bytes, rows, cols, n, [1, n], 13 + type, 2 * matmulBound(type));
      for (const t of [w, x, out]) backend.free(t);
    },
  );

  it('rejects weights of types without kernels, naming the tensor', () => {
    expect(() => backend.createWeight({ name: 'odd', type: GgmlType.IQ2_XXS, shape: [256, 2] })).toThrow(/odd/);
    expect(backend.supportsWeightType(GgmlType.IQ2_XXS)).toBe(false);
    expect(backend.supportsWeightType(GgmlType.Q4_K)).toBe(true);
  });
});

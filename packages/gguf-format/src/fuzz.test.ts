/**
 * Fuzzing the reader: thousands of mutated and truncated files (deterministic seed) must each either parse
 * or fail with a GgufError / ByteSourceError: never another exception, never a hang, never a parse whose
 * tensors point outside the file.
 */
import { readFileSync } from 'node:fs';
import { hasFixture, requireFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import {
  type ByteSource,
  ByteSourceError,
  checkRange,
  GgmlType,
  GgufError,
  type GgufKV,
  GgufValueType,
  MemorySource,
  parseGguf,
  writeGgufToBuffer,
} from './index.js';

const SEED = 0x5eed_6667;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A source over `base` truncated to `size`, with some bytes replaced: no copy of the whole file per case. */
class MutatedSource implements ByteSource {
  readonly name = 'mutated';
  reads = 0;
  constructor(
    private readonly base: Uint8Array,
    readonly size: number,
    private readonly patches: ReadonlyMap<number, number>,
  ) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    this.reads++;
    const out = this.base.slice(offset, offset + length);
    for (const [at, v] of this.patches) if (at >= offset && at < offset + length) out[at - offset] = v;
    return out;
  }
}

const U64_EDGES = [
  0n,
  1n,
  2n,
  31n,
  255n,
  0x7fff_ffffn,
  0xffff_ffffn,
  2n ** 32n,
  2n ** 53n + 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];
const U32_EDGES = [0, 1, 4, 8, 9, 12, 13, 31, 39, 42, 43, 0x7fff_ffff, 0xffff_ffff];

/** One random mutation plan over a file of `size` bytes whose interesting part is its first `hot` bytes. */
function mutate(rand: () => number, size: number, hot: number): { size: number; patches: Map<number, number> } {
  const patches = new Map<number, number>();
  const at = (limit: number) => Math.floor(rand() * limit);
  const put = (pos: number, bytes: ArrayLike<number>) => {
    for (let i = 0; i < bytes.length; i++) if (pos + i < size) patches.set(pos + i, bytes[i]);
  };
  let newSize = size;
  const kinds = 1 + at(3);
  for (let k = 0; k < kinds; k++) {
    const kind = at(5);
    if (kind === 0) {
      for (let i = 1 + at(8); i > 0; i--) patches.set(at(hot), at(256));
    } else if (kind === 1) {
      const v = U64_EDGES[at(U64_EDGES.length)];
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, v, true);
      put(at(hot), b);
    } else if (kind === 2) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, U32_EDGES[at(U32_EDGES.length)], true);
      put(at(hot), b);
    } else if (kind === 3) {
      newSize = Math.min(newSize, rand() < 0.8 ? at(hot) : at(size));
    } else {
      // Scramble a run of bytes, as an insertion or deletion would shift them.
      const start = at(hot);
      for (let i = 0; i < 16; i++) patches.set(start + i, at(256));
    }
  }
  return { size: newSize, patches };
}

async function runCases(name: string, base: Uint8Array, hot: number, cases: number, seed: number) {
  const rand = prng(seed);
  const outcomes = { ok: 0, failed: 0 };
  for (let c = 0; c < cases; c++) {
    const plan = mutate(rand, base.byteLength, hot);
    const source = new MutatedSource(base, plan.size, plan.patches);
    const allowMissingData = rand() < 0.2;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} case ${c} (seed ${seed}) hung`)), 10_000);
    });
    try {
      const g = await Promise.race([parseGguf(source, { allowMissingData }), hang]);
      outcomes.ok++;
      for (const t of g.tensors) {
        expect(t.byteLength).toBe((t.elements / t.typeInfo.blockSize) * t.typeInfo.bytesPerBlock);
        if (!allowMissingData) expect(t.offset + t.byteLength).toBeLessThanOrEqual(source.size);
      }
    } catch (e) {
      if (!(e instanceof GgufError || e instanceof ByteSourceError)) {
        throw new Error(
          `${name} case ${c} (seed ${seed}) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
          {
            cause: e,
          },
        );
      }
      outcomes.failed++;
    } finally {
      clearTimeout(timer);
    }
    // Reads are bounded by the file: no loop re-reads without progress.
    expect(source.reads).toBeLessThanOrEqual(2 + Math.ceil(plan.size / (1 << 20)) + 64);
  }
  return outcomes;
}

async function syntheticFile(): Promise<Uint8Array> {
  const kv: GgufKV[] = [
    { key: 'general.architecture', type: GgufValueType.STRING, value: 'llama' },
    { key: 'general.alignment', type: GgufValueType.UINT32, value: 64 },
    { key: 'u64', type: GgufValueType.UINT64, value: 12345678901234n },
    { key: 'f64', type: GgufValueType.FLOAT64, value: 0.5 },
    { key: 'b', type: GgufValueType.BOOL, value: true },
    { key: 'i16', type: GgufValueType.INT16, value: -3 },
    { key: 'strs', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, values: ['a', 'ü', '🦙', ''] } },
    { key: 'f32s', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.FLOAT32, values: new Float32Array(9) } },
    { key: 'bools', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.BOOL, values: [true, false] } },
    {
      key: 'nested',
      type: GgufValueType.ARRAY,
      value: {
        itemType: GgufValueType.ARRAY,
        values: [
          { itemType: GgufValueType.INT64, values: new BigInt64Array([1n, -1n]) },
          { itemType: GgufValueType.ARRAY, values: [{ itemType: GgufValueType.UINT8, values: new Uint8Array(3) }] },
        ],
      },
    },
  ];
  const t = (name: string, shape: number[], type: GgmlType, bytes: number) => ({
    name,
    shape,
    type,
    data: new Uint8Array(bytes).fill(1),
  });
  return writeGgufToBuffer({
    kv,
    tensors: [
      t('f32', [16, 2], GgmlType.F32, 128),
      t('q8', [64], GgmlType.Q8_0, 68),
      t('q4k', [256, 2], GgmlType.Q4_K, 288),
      t('f16', [4, 2, 2, 2], GgmlType.F16, 64),
    ],
  });
}

describe('fuzz: mutated and truncated files give a GgufError or parse, never anything else', () => {
  it('a synthetic file with every value type and several tensor types (5000 cases)', async () => {
    const base = await syntheticFile();
    const { ok, failed } = await runCases('synthetic', base, base.byteLength, 5000, SEED);
    expect(ok + failed).toBe(5000);
    // Most mutations break the file; some (a changed value, a truncation inside padding) do not.
    expect(failed).toBeGreaterThan(2500);
    expect(ok).toBeGreaterThan(100);
  });

  it.skipIf(!hasFixture('models/stories-demo-Q8_0.gguf'))(
    'the demo model, mutated in its header (1000 cases)',
    async () => {
      const base = new Uint8Array(readFileSync(requireFixture('models/stories-demo-Q8_0.gguf')));
      const header = (await parseGguf(new MemorySource(base))).dataOffset;
      const { ok, failed } = await runCases('stories', base, header, 1000, SEED + 1);
      expect(ok + failed).toBe(1000);
    },
  );

  it.skipIf(!hasFixture('vocab/ggml-vocab-llama-spm.gguf'))('a vocabulary file (400 cases)', async () => {
    const base = new Uint8Array(readFileSync(requireFixture('vocab/ggml-vocab-llama-spm.gguf')));
    const { ok, failed } = await runCases('vocab', base, base.byteLength, 400, SEED + 2);
    expect(ok + failed).toBe(400);
  });
});

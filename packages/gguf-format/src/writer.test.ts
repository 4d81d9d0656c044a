import { readFileSync } from 'node:fs';
import { listFixtures, requireFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import {
  GgmlType,
  type GgufKV,
  GgufValueType,
  GgufWriteError,
  MemorySource,
  parseGguf,
  writeGguf,
  writeGgufToBuffer,
  writeSpecFromGguf,
} from './index.js';

const fixtures = [
  ...listFixtures('models', '.gguf').map((f) => `models/${f}`),
  ...listFixtures('vocab', '.gguf').map((f) => `vocab/${f}`),
];

describe('writer: copies of every fixture', () => {
  for (const f of fixtures) {
    it(`rewrites ${f} byte for byte and reads back the same`, async () => {
      const original = readFileSync(requireFixture(f));
      const parsed = await parseGguf(new MemorySource(original, f));
      const copy = await writeGgufToBuffer(writeSpecFromGguf(parsed, { chunkSize: 1 << 16 }));
      expect(copy.byteLength).toBe(original.byteLength);
      expect(Buffer.from(copy).equals(original)).toBe(true);
      const reread = await parseGguf(new MemorySource(copy));
      expect(reread.kv).toEqual(parsed.kv);
      expect(reread.tensors.map(({ source: _, ...t }) => t)).toEqual(parsed.tensors.map(({ source: _, ...t }) => t));
    });
  }
});

/** Every value type, including nested arrays and empty arrays. */
const allTypes: GgufKV[] = [
  { key: 'u8', type: GgufValueType.UINT8, value: 255 },
  { key: 'i8', type: GgufValueType.INT8, value: -128 },
  { key: 'u16', type: GgufValueType.UINT16, value: 65535 },
  { key: 'i16', type: GgufValueType.INT16, value: -32768 },
  { key: 'u32', type: GgufValueType.UINT32, value: 4294967295 },
  { key: 'i32', type: GgufValueType.INT32, value: -2147483648 },
  { key: 'f32', type: GgufValueType.FLOAT32, value: Math.fround(2.5e-3) },
  { key: 'bool', type: GgufValueType.BOOL, value: true },
  { key: 'str', type: GgufValueType.STRING, value: 'héllo ▁wörld 🦙' },
  { key: 'u64', type: GgufValueType.UINT64, value: 18446744073709551615n },
  { key: 'i64', type: GgufValueType.INT64, value: -9223372036854775808n },
  { key: 'f64', type: GgufValueType.FLOAT64, value: 1e-300 },
  { key: 'empty.str', type: GgufValueType.STRING, value: '' },
  {
    key: 'arr.u8',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.UINT8, values: new Uint8Array([1, 2, 3]) },
  },
  { key: 'arr.i8', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.INT8, values: new Int8Array([-1, 2]) } },
  {
    key: 'arr.u16',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.UINT16, values: new Uint16Array([9]) },
  },
  { key: 'arr.i16', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.INT16, values: new Int16Array([-9]) } },
  {
    key: 'arr.u32',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.UINT32, values: new Uint32Array([7, 8]) },
  },
  { key: 'arr.i32', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.INT32, values: new Int32Array([-7]) } },
  {
    key: 'arr.f32',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.FLOAT32, values: new Float32Array([0.5, -2]) },
  },
  {
    key: 'arr.f64',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.FLOAT64, values: new Float64Array([1e100]) },
  },
  {
    key: 'arr.u64',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.UINT64, values: new BigUint64Array([1n, 2n ** 63n]) },
  },
  {
    key: 'arr.i64',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.INT64, values: new BigInt64Array([-5n]) },
  },
  { key: 'arr.bool', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.BOOL, values: [true, false, true] } },
  { key: 'arr.str', type: GgufValueType.ARRAY, value: { itemType: GgufValueType.STRING, values: ['a', '', 'ü'] } },
  {
    key: 'arr.empty',
    type: GgufValueType.ARRAY,
    value: { itemType: GgufValueType.FLOAT32, values: new Float32Array(0) },
  },
  {
    key: 'arr.nested',
    type: GgufValueType.ARRAY,
    value: {
      itemType: GgufValueType.ARRAY,
      values: [
        { itemType: GgufValueType.INT32, values: new Int32Array([1, 2]) },
        { itemType: GgufValueType.STRING, values: ['x'] },
        {
          itemType: GgufValueType.ARRAY,
          values: [{ itemType: GgufValueType.BOOL, values: [false] }],
        },
        { itemType: GgufValueType.UINT8, values: new Uint8Array(0) },
      ],
    },
  },
];

describe('writer: value types', () => {
  for (const version of [2, 3]) {
    it(`round-trips every metadata value type, nested arrays included (version ${version})`, async () => {
      const bytes = await writeGgufToBuffer({ version, kv: allTypes, tensors: [] });
      const g = await parseGguf(new MemorySource(bytes));
      expect(g.version).toBe(version);
      expect(g.kv).toEqual(allTypes);
      expect(g.tensors).toHaveLength(0);
      // No tensors: the file ends with the metadata, unpadded (as gguf-py writes vocab-only files).
      expect(bytes.byteLength).toBe(g.dataOffset - ((32 - (bytes.byteLength % 32)) % 32));
    });
  }

  it('pads a tensor-less file only when asked (padEmpty)', async () => {
    const kv: GgufKV[] = [{ key: 'general.name', type: GgufValueType.STRING, value: 'x' }];
    const plain = await writeGgufToBuffer({ kv, tensors: [] });
    const padded = await writeGgufToBuffer({ kv, tensors: [], padEmpty: true });
    expect(padded.byteLength % 32).toBe(0);
    expect(plain.byteLength).toBeLessThan(padded.byteLength);
    expect(padded.subarray(0, plain.byteLength)).toEqual(plain);
  });

  it('accepts plain number arrays for numeric items and safe numbers for 64-bit values', async () => {
    const kv: GgufKV[] = [
      {
        key: 'a',
        type: GgufValueType.ARRAY,
        value: { itemType: GgufValueType.INT32, values: [1, -2] as unknown as Int32Array },
      },
      { key: 'b', type: GgufValueType.UINT64, value: 7 },
    ];
    const g = await parseGguf(new MemorySource(await writeGgufToBuffer({ kv, tensors: [] })));
    expect(
      Array.from(
        (g.get('a') as unknown as { values: Int32Array }['values'])
          ? (g.get('a') as { values: Int32Array }).values
          : [],
      ),
    ).toEqual([1, -2]);
    expect(g.get('b')).toBe(7n);
  });

  const bad: Array<[string, GgufKV]> = [
    ['u8 out of range', { key: 'k', type: GgufValueType.UINT8, value: 256 }],
    ['i32 fraction', { key: 'k', type: GgufValueType.INT32, value: 1.5 }],
    ['string as number', { key: 'k', type: GgufValueType.STRING, value: 5 }],
    ['bool as number', { key: 'k', type: GgufValueType.BOOL, value: 1 }],
    ['u64 negative', { key: 'k', type: GgufValueType.UINT64, value: -1n }],
    ['unknown type', { key: 'k', type: 13 as GgufValueType, value: 1 }],
    [
      'array item out of range',
      {
        key: 'k',
        type: GgufValueType.ARRAY,
        value: { itemType: GgufValueType.UINT8, values: [300] as unknown as Uint8Array },
      },
    ],
    ['lone surrogate', { key: 'k', type: GgufValueType.STRING, value: 'a\ud800' }],
  ];
  for (const [what, entry] of bad) {
    it(`rejects ${what}`, async () => {
      await expect(writeGgufToBuffer({ kv: [entry], tensors: [] })).rejects.toBeInstanceOf(GgufWriteError);
    });
  }

  it('rejects duplicate keys and tensor names, long names and bad shapes', async () => {
    const kv = { key: 'k', type: GgufValueType.UINT8, value: 1 };
    await expect(writeGgufToBuffer({ kv: [kv, kv], tensors: [] })).rejects.toThrow(/Duplicate metadata key "k"/);
    const t = { name: 't', shape: [4], type: GgmlType.F32, data: new Uint8Array(16) };
    await expect(writeGgufToBuffer({ kv: [], tensors: [t, t] })).rejects.toThrow(/Duplicate tensor name "t"/);
    await expect(writeGgufToBuffer({ kv: [], tensors: [{ ...t, name: 'x'.repeat(64) }] })).rejects.toThrow(
      /at most 63/,
    );
    await expect(writeGgufToBuffer({ kv: [], tensors: [{ ...t, type: GgmlType.Q4_0 }] })).rejects.toThrow(
      /block size 32/,
    );
    await expect(writeGgufToBuffer({ kv: [], tensors: [{ ...t, shape: [1, 1, 1, 1, 1] }] })).rejects.toThrow(
      /5 dimensions/,
    );
    await expect(writeGgufToBuffer({ kv: [], tensors: [{ ...t, data: new Uint8Array(15) }] })).rejects.toThrow(
      /has 15 bytes/,
    );
    await expect(writeGgufToBuffer({ kv: [], tensors: [{ ...t, data: new Uint8Array(17) }] })).rejects.toThrow(
      /longer/,
    );
  });
});

describe('writer: tensors and streaming', () => {
  it('streams tensor data from async iterables and callbacks, honouring a custom alignment', async () => {
    const f32 = new Float32Array([1, 2, 3, 4, 5, 6]);
    async function* chunks() {
      const b = new Uint8Array(f32.buffer);
      yield b.subarray(0, 5);
      yield b.subarray(5);
    }
    let calledAt = -1;
    let written = 0;
    const spec = {
      kv: [{ key: 'general.alignment', type: GgufValueType.UINT32, value: 64 }],
      tensors: [
        { name: 'a', shape: [3, 2], type: GgmlType.F32, data: chunks() },
        {
          name: 'b',
          shape: [32],
          type: GgmlType.Q8_0,
          data: () => {
            calledAt = written; // the callback runs only when the writer reaches this tensor
            return [new Uint8Array(34).fill(7)];
          },
        },
      ],
    };
    const parts: Uint8Array[] = [];
    const layout = await writeGguf(spec, {
      write(chunk) {
        parts.push(chunk.slice());
        written += chunk.byteLength;
      },
    });
    expect(calledAt).toBe(layout.dataOffset + 64);
    const bytes = Buffer.concat(parts);
    expect(bytes.byteLength).toBe(layout.totalSize);
    const g = await parseGguf(new MemorySource(bytes));
    expect(g.alignment).toBe(64);
    expect(g.dataOffset % 64).toBe(0);
    const a = g.tensor('a')!;
    expect(a.shape).toEqual([3, 2]);
    expect(new Float32Array(new Uint8Array(bytes.subarray(a.offset, a.offset + 24)).buffer)).toEqual(f32);
    const b = g.tensor('b')!;
    expect(b.offset - g.dataOffset).toBe(64);
    expect(b.byteLength).toBe(34);
    expect([...bytes.subarray(b.offset, b.offset + 34)].every((x) => x === 7)).toBe(true);
    expect(bytes.byteLength - (b.offset + 34)).toBe(30);
  });

  it('reports progress and stops when aborted', async () => {
    const seen: number[] = [];
    const spec = { kv: [], tensors: [{ name: 't', shape: [8], type: GgmlType.F32, data: new Uint8Array(32) }] };
    const total = (await writeGgufToBuffer(spec, { onProgress: (p) => seen.push(p.bytesWritten) })).byteLength;
    expect(seen.at(-1)).toBe(total);
    const ac = new AbortController();
    ac.abort();
    await expect(writeGgufToBuffer(spec, { signal: ac.signal })).rejects.toThrow(/abort/i);
  });
});

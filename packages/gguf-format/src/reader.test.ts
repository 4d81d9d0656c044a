import { readFileSync } from 'node:fs';
import { hasFixture, listFixtures, requireFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { RawGguf, readDirectoryByHand } from '../test/raw-gguf.js';
import {
  GgmlType,
  GgufError,
  GgufLimitError,
  GgufMagicError,
  GgufMetadataError,
  GgufTensorError,
  GgufTruncatedError,
  GgufUnknownTypeError,
  GgufValueType,
  GgufVersionError,
  getStringArray,
  MemorySource,
  parseGguf,
  readTensorBytes,
} from './index.js';
import { openGgufFile } from './node.js';

const fixtures = [
  ...listFixtures('models', '.gguf').map((f) => `models/${f}`),
  ...listFixtures('vocab', '.gguf').map((f) => `vocab/${f}`),
];

describe('parseGguf on every fixture', () => {
  for (const f of fixtures) {
    it(`${f}: directory agrees with an independent by-hand reading`, async () => {
      const bytes = readFileSync(requireFixture(f));
      const byHand = readDirectoryByHand(bytes);
      const g = await openGgufFile(requireFixture(f));
      try {
        expect(g.version).toBe(byHand.version);
        expect(g.kv.map((e) => e.key)).toEqual(byHand.keys);
        expect(g.alignment).toBe(byHand.alignment);
        expect(g.dataOffset).toBe(byHand.dataOffset);
        expect(
          g.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type, relativeOffset: t.relativeOffset })),
        ).toEqual(byHand.tensors);
        for (const t of g.tensors) {
          expect(t.offset).toBe(byHand.dataOffset + t.relativeOffset);
          expect(t.source).toBe(g.source);
          expect(t.byteLength).toBe((t.elements / t.typeInfo.blockSize) * t.typeInfo.bytesPerBlock);
          expect(t.elements).toBe(t.shape.reduce((a, b) => a * b, 1));
        }
        if (f.startsWith('models/')) {
          expect(g.get('general.architecture')).toBe('llama');
          // The data section ends the file, up to the alignment padding of the last tensor.
          const end = Math.max(...g.tensors.map((t) => t.offset + t.byteLength));
          expect(g.source.size - end).toBeLessThan(g.alignment);
        } else {
          expect(g.tensors).toHaveLength(0);
          expect(getStringArray(g, 'tokenizer.ggml.tokens')!.length).toBeGreaterThan(30000);
        }
      } finally {
        await g.close();
      }
    });
  }

  it.skipIf(!hasFixture('models/spm4k-F32.gguf'))('reads F32 tensor values as the file stores them', async () => {
    const path = requireFixture('models/spm4k-F32.gguf');
    const bytes = readFileSync(path);
    const g = await openGgufFile(path);
    const t = g.tensor('output_norm.weight')!;
    expect(t.type).toBe(GgmlType.F32);
    const data = await readTensorBytes(t);
    expect(new Float32Array(data.buffer, data.byteOffset, t.elements)[5]).toBe(bytes.readFloatLE(t.offset + 20));
    await g.close();
  });
});

/** A small valid file built by hand: 2 kv pairs, tensors "a" (F32 [32]) at 0 and "b" (Q8_0 [32, 2]) at 128. */
function validFile(edit: { version?: number; bOffset?: number; bType?: number; bShape?: number[] } = {}): RawGguf {
  return new RawGguf()
    .header(2, 2, edit.version ?? 3)
    .str('general.architecture')
    .u32(GgufValueType.STRING)
    .str('llama')
    .str('x.count')
    .u32(GgufValueType.UINT32)
    .u32(7)
    .tensor('a', [32], GgmlType.F32, 0)
    .tensor('b', edit.bShape ?? [32, 2], edit.bType ?? GgmlType.Q8_0, edit.bOffset ?? 128)
    .padTo(32)
    .zeros(128 + 68)
    .padTo(32);
}

async function parseError(bytes: Uint8Array): Promise<GgufError> {
  const err = await parseGguf(new MemorySource(bytes)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GgufError);
  return err as GgufError;
}

describe('parseGguf validation: every problem is a GgufError with an offset and what to do', () => {
  it('parses the hand-built file, in versions 2 and 3', async () => {
    for (const version of [2, 3]) {
      const g = await parseGguf(new MemorySource(validFile({ version }).build()));
      expect(g.version).toBe(version);
      expect(g.get('x.count')).toBe(7);
      expect(g.tensor('b')).toMatchObject({ shape: [32, 2], relativeOffset: 128, byteLength: 68 });
    }
  });

  it('reads every metadata value type from hand-written bytes, nested arrays included', async () => {
    const raw = new RawGguf()
      .header(0, 15)
      .str('u8')
      .u32(GgufValueType.UINT8)
      .u8(200)
      .str('i8')
      .u32(GgufValueType.INT8)
      .u8(0xfe)
      .str('u16')
      .u32(GgufValueType.UINT16)
      .bytes([0x34, 0x12])
      .str('i16')
      .u32(GgufValueType.INT16)
      .bytes([0xff, 0xff])
      .str('u32')
      .u32(GgufValueType.UINT32)
      .u32(0xdeadbeef)
      .str('i32')
      .u32(GgufValueType.INT32)
      .u32(0xfffffffe)
      .str('f32')
      .u32(GgufValueType.FLOAT32)
      .f32(-1.5)
      .str('bool')
      .u32(GgufValueType.BOOL)
      .u8(1)
      .str('str')
      .u32(GgufValueType.STRING)
      .str('▁héllo')
      .str('u64')
      .u32(GgufValueType.UINT64)
      .u64(2n ** 64n - 1n)
      .str('i64')
      .u32(GgufValueType.INT64)
      .u64(2n ** 64n - 2n)
      .str('f64')
      .u32(GgufValueType.FLOAT64)
      .bytes(new Uint8Array(new Float64Array([Math.PI]).buffer))
      .str('strs')
      .u32(GgufValueType.ARRAY)
      .u32(GgufValueType.STRING)
      .u64(2)
      .str('a')
      .str('')
      .str('bools')
      .u32(GgufValueType.ARRAY)
      .u32(GgufValueType.BOOL)
      .u64(3)
      .bytes([0, 1, 2])
      .str('nested')
      .u32(GgufValueType.ARRAY)
      .u32(GgufValueType.ARRAY)
      .u64(2)
      .u32(GgufValueType.INT16)
      .u64(2)
      .bytes([1, 0, 0xff, 0xff])
      .u32(GgufValueType.ARRAY)
      .u64(1)
      .u32(GgufValueType.STRING)
      .u64(1)
      .str('deep');
    const g = await parseGguf(new MemorySource(raw.build()));
    expect(Object.fromEntries(g.kv.slice(0, 12).map((e) => [e.key, e.value]))).toEqual({
      u8: 200,
      i8: -2,
      u16: 0x1234,
      i16: -1,
      u32: 0xdeadbeef,
      i32: -2,
      f32: -1.5,
      bool: true,
      str: '▁héllo',
      u64: 2n ** 64n - 1n,
      i64: -2n,
      f64: Math.PI,
    });
    expect(g.get('strs')).toEqual({ itemType: GgufValueType.STRING, values: ['a', ''] });
    expect(g.get('bools')).toEqual({ itemType: GgufValueType.BOOL, values: [false, true, true] });
    expect(g.get('nested')).toEqual({
      itemType: GgufValueType.ARRAY,
      values: [
        { itemType: GgufValueType.INT16, values: new Int16Array([1, -1]) },
        { itemType: GgufValueType.ARRAY, values: [{ itemType: GgufValueType.STRING, values: ['deep'] }] },
      ],
    });
    expect(g.kv.map((e) => e.type)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 9, 9, 9]);
  });

  it('reports a truncated file at every cut point', async () => {
    const full = validFile().build();
    const dataOffset = readDirectoryByHand(full).dataOffset;
    for (let cut = 0; cut < full.length - 28; cut++) {
      const err = await parseError(full.subarray(0, cut));
      if (cut < dataOffset) {
        expect(err, `cut at ${cut}`).toBeInstanceOf(cut >= 24 ? GgufError : GgufTruncatedError);
        expect(err.offset, `cut at ${cut}`).toBeGreaterThanOrEqual(0);
        expect(err.offset, `cut at ${cut}`).toBeLessThanOrEqual(cut);
      } else {
        expect(err, `cut at ${cut}`).toBeInstanceOf(GgufTensorError);
        expect(err.message).toMatch(/extends past the end.*truncated. Download it again/);
      }
    }
    expect((await parseError(full.subarray(0, 6))).message).toMatch(
      /truncated: the GGUF header .* needs 8 bytes but the file has 6/,
    );
  });

  it('rejects a file that is not GGUF', async () => {
    const bytes = validFile().build();
    bytes.set([0x47, 0x47, 0x4d, 0x4c], 0);
    const err = await parseError(bytes);
    expect(err).toBeInstanceOf(GgufMagicError);
    expect(err.offset).toBe(0);
    expect(err.message).toMatch(/starts with "GGML" instead of "GGUF"/);
  });

  it('rejects versions 1 and 4, and big-endian files', async () => {
    const v1 = await parseError(validFile({ version: 1 }).build());
    expect(v1).toBeInstanceOf(GgufVersionError);
    expect(v1.message).toMatch(/version 1 files are not supported: re-convert/);
    const v4 = await parseError(validFile({ version: 4 }).build());
    expect(v4.message).toMatch(/Unsupported GGUF version 4/);
    expect(v4.offset).toBe(4);
    const be = validFile().build();
    be.set([0, 0, 0, 3], 4);
    const err = await parseError(be);
    expect(err).toBeInstanceOf(GgufVersionError);
    expect((err as GgufVersionError).version).toBe(3);
    expect(err.message).toMatch(/big-endian.*gguf-convert-endian/);
  });

  it('rejects counts and lengths larger than the file before allocating', async () => {
    const kvs = await parseError(new RawGguf().header(0, 2 ** 40).build());
    expect(kvs).toBeInstanceOf(GgufLimitError);
    expect(kvs.offset).toBe(16);
    const tensors = await parseError(
      new RawGguf()
        .header(2 ** 50, 0)
        .zeros(64)
        .build(),
    );
    expect(tensors).toBeInstanceOf(GgufLimitError);
    expect(tensors.offset).toBe(8);
    const keyLength = await parseError(new RawGguf().header(0, 1).u64(1e12).zeros(40).build());
    expect(keyLength).toBeInstanceOf(GgufLimitError);
    expect(keyLength.offset).toBe(24);
    expect(keyLength.message).toMatch(/claims 1000000000000 bytes/);
    const huge = await parseError(
      new RawGguf()
        .header(0, 1)
        .u64(2 ** 62)
        .zeros(40)
        .build(),
    );
    expect(huge).toBeInstanceOf(GgufLimitError);
    const array = new RawGguf()
      .header(0, 1)
      .str('big')
      .u32(GgufValueType.ARRAY)
      .u32(GgufValueType.UINT32)
      .u64(2 ** 50);
    const arr = await parseError(array.zeros(64).build());
    expect(arr).toBeInstanceOf(GgufLimitError);
    expect(arr.offset).toBe(24 + 8 + 3 + 4 + 4);
    expect(arr.message).toMatch(/Array "big" claims 1125899906842624 items/);
    const strings = new RawGguf().header(0, 1).str('s').u32(GgufValueType.ARRAY).u32(GgufValueType.STRING).u64(1000);
    expect(await parseError(strings.zeros(100).build())).toBeInstanceOf(GgufLimitError);
  });

  it('rejects tensor data beyond the end of the file unless allowMissingData', async () => {
    const bytes = validFile().build();
    const short = bytes.subarray(0, bytes.length - 40);
    const err = await parseError(short);
    expect(err).toBeInstanceOf(GgufTensorError);
    expect((err as GgufTensorError).tensor).toBe('b');
    const g = await parseGguf(new MemorySource(short), { allowMissingData: true });
    expect(g.tensors).toHaveLength(2);
  });

  it('rejects overlapping and misaligned tensors', async () => {
    const overlap = await parseError(validFile({ bOffset: 64 }).build());
    expect(overlap).toBeInstanceOf(GgufTensorError);
    expect(overlap.message).toMatch(/"a" .* and "b" .* overlap/);
    const misaligned = await parseError(validFile({ bOffset: 130 }).build());
    expect(misaligned).toBeInstanceOf(GgufTensorError);
    expect(misaligned.message).toMatch(/data offset 130, not aligned to 32 bytes/);
    // The offset points at b's offset field: header 24, kvs 45 + 23, a's info 33, b's name 9, dims 4, shape 16, type 4.
    expect(misaligned.offset).toBe(24 + 45 + 23 + 33 + 9 + 4 + 16 + 4);
  });

  it('rejects duplicate keys and tensor names', async () => {
    const dupKey = new RawGguf()
      .header(0, 2)
      .str('k')
      .u32(GgufValueType.UINT8)
      .u8(1)
      .str('k')
      .u32(GgufValueType.UINT8)
      .u8(2);
    const err = await parseError(dupKey.build());
    expect(err).toBeInstanceOf(GgufMetadataError);
    expect(err.message).toMatch(/Duplicate metadata key "k"/);
    expect(err.offset).toBe(24 + 8 + 1 + 4 + 1);
    const dupTensor = new RawGguf()
      .header(2, 0)
      .tensor('t', [8], GgmlType.F32, 0)
      .tensor('t', [8], GgmlType.F32, 32)
      .padTo(32)
      .zeros(64);
    const terr = await parseError(dupTensor.build());
    expect(terr).toBeInstanceOf(GgufTensorError);
    expect(terr.message).toMatch(/Duplicate tensor name "t"/);
  });

  it('rejects invalid UTF-8 in keys, values and tensor names', async () => {
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]) {
      const err = await parseError(new RawGguf().header(0, 1).str(bad).u32(GgufValueType.UINT8).u8(0).build());
      expect(err).toBeInstanceOf(GgufMetadataError);
      expect(err.message).toMatch(/metadata key 0 is not valid UTF-8/);
      expect(err.offset).toBe(32);
    }
    const value = new RawGguf()
      .header(0, 1)
      .str('k')
      .u32(GgufValueType.ARRAY)
      .u32(GgufValueType.STRING)
      .u64(2)
      .str('ok')
      .str([0x80]);
    expect((await parseError(value.build())).message).toMatch(/item 1 of "k" is not valid UTF-8/);
    const long = new RawGguf()
      .header(0, 1)
      .str('k')
      .u32(GgufValueType.STRING)
      .str([...new Array(300).fill(0x41), 0xff]);
    expect((await parseError(long.build())).message).toMatch(/the value of "k" is not valid UTF-8/);
  });

  it('rejects unknown tensor types and value types', async () => {
    for (const id of [4, 31, 43, 0xffffffff]) {
      const err = await parseError(validFile({ bType: id }).build());
      expect(err).toBeInstanceOf(GgufUnknownTypeError);
      expect(err).toMatchObject({ typeId: id, tensor: 'b' });
      expect(err.message).toMatch(/newer llama.cpp than this reader knows, or be corrupt/);
      expect(err.offset).toBeGreaterThan(0);
    }
    const kv = await parseError(new RawGguf().header(0, 1).str('k').u32(13).u32(0).build());
    expect(kv).toBeInstanceOf(GgufMetadataError);
    expect(kv.message).toMatch(/unknown value type 13/);
    expect(kv.offset).toBe(24 + 9);
  });

  it('rejects bad tensor shapes: no or too many dimensions, partial blocks', async () => {
    const noDims = new RawGguf().header(1, 0).str('t').u32(0).u32(0).u64(0).padTo(32);
    expect((await parseError(noDims.build())).message).toMatch(/"t" has 0 dimensions; ggml allows 1 to 4/);
    const fiveDims = new RawGguf().header(1, 0).tensor('t', [1, 1, 1, 1, 1], GgmlType.F32, 0).padTo(32).zeros(32);
    expect((await parseError(fiveDims.build())).message).toMatch(/has 5 dimensions/);
    const partial = await parseError(validFile({ bShape: [30, 2] }).build());
    expect(partial.message).toMatch(/rows of 30 values, not a multiple of the Q8_0 block size 32/);
    const huge = new RawGguf()
      .header(1, 0)
      .tensor('t', [2 ** 40, 2 ** 40], GgmlType.F32, 0)
      .padTo(32)
      .zeros(32);
    expect((await parseError(huge.build())).message).toMatch(/far larger than any file/);
  });

  it('rejects arrays nested too deep and alignments that are not powers of two', async () => {
    const deep = new RawGguf().header(0, 1).str('k').u32(GgufValueType.ARRAY);
    for (let i = 0; i < 9; i++) deep.u32(GgufValueType.ARRAY).u64(1);
    const err = await parseError(deep.u32(GgufValueType.UINT8).u64(0).zeros(16).build());
    expect(err).toBeInstanceOf(GgufMetadataError);
    expect(err.message).toMatch(/nests arrays more than 8 deep/);
    const align = new RawGguf().header(0, 1).str('general.alignment').u32(GgufValueType.UINT32).u32(48);
    expect((await parseError(align.build())).message).toMatch(/general.alignment must be a power of two, got 48/);
  });

  it('honours an abort signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(parseGguf(new MemorySource(validFile().build()), { signal: ac.signal })).rejects.toThrow(/abort/i);
  });
});

import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { hasFixture, requireFixture } from '@llamats/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../test/http-server.js';
import {
  type GgufFile,
  GgufSplitError,
  GgufValueType,
  MemorySource,
  openGgufSplit,
  openGgufUrl,
  parseGguf,
  parseSplitFileName,
  planGgufSplit,
  readTensorBytes,
  splitFileName,
  writeGgufToBuffer,
} from './index.js';
import { openGgufFile, writeGgufFile } from './node.js';

const MODEL = 'models/spm4k-Q4_K_M.gguf';

describe('split file names', () => {
  it('follow llama.cpp: prefix-0000k-of-0000n.gguf', () => {
    expect(splitFileName('/m/llama', 0, 3)).toBe('/m/llama-00001-of-00003.gguf');
    expect(parseSplitFileName('llama-7b-q4-00002-of-00003.gguf')).toEqual({
      prefix: 'llama-7b-q4',
      index: 1,
      count: 3,
    });
    expect(parseSplitFileName('model.gguf')).toBeUndefined();
    expect(parseSplitFileName('m-00004-of-00003.gguf')).toBeUndefined();
    expect(parseSplitFileName('m-00000-of-00003.gguf')).toBeUndefined();
  });
});

describe.skipIf(!hasFixture(MODEL))('a fixture split with our writer, as gguf-split would', () => {
  let dir: string;
  let original: GgufFile;
  let parts: Uint8Array[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gguf-split-'));
    original = await parseGguf(new MemorySource(readFileSync(requireFixture(MODEL)), 'original'));
    const specs = planGgufSplit(original, { maxTensors: 8 });
    parts = [];
    for (let i = 0; i < specs.length; i++) {
      await writeGgufFile(join(dir, splitFileName('spm4k', i, specs.length)), specs[i]);
      parts.push(readFileSync(join(dir, splitFileName('spm4k', i, specs.length))));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plans parts of at most 8 tensors with the split keys gguf-split writes', async () => {
    const n = Math.ceil(original.tensors.length / 8);
    expect(parts).toHaveLength(n);
    for (let i = 0; i < n; i++) {
      const p = await parseGguf(new MemorySource(parts[i]));
      const splitKv = p.kv.slice(-3).map((e) => [e.key, e.type, e.value]);
      expect(splitKv).toEqual([
        ['split.no', GgufValueType.UINT16, i],
        ['split.tensors.count', GgufValueType.INT32, original.tensors.length],
        ['split.count', GgufValueType.UINT16, n],
      ]);
      // Only the first part carries the model's metadata.
      expect(p.kv.length).toBe(i === 0 ? original.kv.length + 3 : 3);
      expect(p.tensors.length).toBe(i < n - 1 ? 8 : original.tensors.length - 8 * (n - 1));
    }
  });

  it('opens as one model from any part, each tensor pointing at the part that holds it', async () => {
    const g = await openGgufFile(join(dir, splitFileName('spm4k', 1, parts.length)));
    try {
      expect(g.sources.map((s) => s.name)).toEqual(
        parts.map((_, i) => basename(splitFileName('spm4k', i, parts.length))),
      );
      expect(g.source).toBe(g.sources[0]);
      expect(g.get('general.architecture')).toBe('llama');
      expect(g.tensors.map((t) => [t.name, t.shape, t.type])).toEqual(
        original.tensors.map((t) => [t.name, t.shape, t.type]),
      );
      for (const [i, t] of g.tensors.entries()) {
        const part = Math.floor(i / 8);
        expect(t.source).toBe(g.sources[part]);
        const want = Buffer.from(await readTensorBytes(original.tensor(t.name)!));
        expect(want.equals(parts[part].subarray(t.offset, t.offset + t.byteLength))).toBe(true);
      }
    } finally {
      await g.close();
    }
  });

  it('splits by size (--split-max-size) and opens over HTTP', async () => {
    const maxBytes = 600_000;
    const specs = planGgufSplit(original, { maxBytes });
    expect(specs.length).toBeGreaterThan(2);
    const files = new Map<string, Uint8Array>();
    for (const [i, spec] of specs.entries()) {
      const bytes = await writeGgufToBuffer(spec);
      files.set(splitFileName('m', i, specs.length), bytes);
      const p = await parseGguf(new MemorySource(bytes));
      const data = p.tensors.reduce((n, t) => n + Math.ceil(t.byteLength / 32) * 32, 0);
      if (p.tensors.length > 1) expect(data).toBeLessThanOrEqual(maxBytes);
    }
    const server = await startTestServer(files);
    try {
      const g = await openGgufUrl(`${server.url}${splitFileName('m', 0, specs.length)}?token=1`);
      expect(g.sources).toHaveLength(specs.length);
      expect(g.tensors.map((t) => t.name)).toEqual(original.tensors.map((t) => t.name));
      const last = g.tensors.at(-1)!;
      expect(Buffer.from(await readTensorBytes(last)).equals(await readTensorBytes(original.tensor(last.name)!))).toBe(
        true,
      );
    } finally {
      await server.close();
    }
  });

  it('rejects parts that do not fit together', async () => {
    const src = (i: number) => new MemorySource(parts[i], `part${i + 1}`);
    const all = parts.map((_, i) => src(i));
    await expect(openGgufSplit(all.slice(0, -1))).rejects.toThrow(/has \d+ parts, but \d+ were given/);
    const swapped = [all[0], all[2], all[1], ...all.slice(3)];
    await expect(openGgufSplit(swapped)).rejects.toThrow(/part3 is part 3 of the model but was given as part 2/);
    await expect(openGgufSplit([all[1], all[0], ...all.slice(2)])).rejects.toBeInstanceOf(GgufSplitError);
    await expect(openGgufSplit([new MemorySource(readFileSync(requireFixture(MODEL))), all[1]])).rejects.toThrow(
      /not the first part of a split model/,
    );
    // One part opened alone still tells it is incomplete.
    await expect(openGgufSplit([all[0]])).rejects.toThrow(/Pass all/);
  });

  it('rejects a tensor count that differs from split.tensors.count, and a tensor in two parts', async () => {
    const specs = planGgufSplit(original, { maxTensors: 8 });
    const lying = specs.map((s) => ({
      ...s,
      kv: s.kv.map((e) => (e.key === 'split.tensors.count' ? { ...e, value: 999 } : e)),
    }));
    const lyingParts = await Promise.all(
      lying.map((s, i) => writeGgufToBuffer(s).then((b) => new MemorySource(b, `p${i}`))),
    );
    await expect(openGgufSplit(lyingParts)).rejects.toThrow(/should have 999 tensors/);
    const dup = specs.map((s, i) => (i === 1 ? { ...s, tensors: [...s.tensors, specs[0].tensors[0]] } : s));
    const dupParts = await Promise.all(
      dup.map((s, i) => writeGgufToBuffer(s).then((b) => new MemorySource(b, `p${i}`))),
    );
    await expect(openGgufSplit(dupParts)).rejects.toThrow(/is in both p0 and p1/);
  });

  it('names the missing files when a part is absent', async () => {
    const lastPath = join(dir, splitFileName('spm4k', parts.length - 1, parts.length));
    unlinkSync(lastPath);
    const err = await openGgufFile(join(dir, splitFileName('spm4k', 0, parts.length))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GgufSplitError);
    expect((err as Error).message).toContain(`${basename(lastPath)} is missing`);
  });
});

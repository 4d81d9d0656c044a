import { readFileSync } from 'node:fs';
import { hasFixture, requireFixture } from '@llamats/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/http-server.js';
import {
  BlobSource,
  ByteSourceError,
  MemorySource,
  openGgufUrl,
  parseGguf,
  readTensorBytes,
  streamTensorBytes,
  toByteSource,
  UrlSource,
} from './index.js';
import { FileSource, openGgufFile } from './node.js';

const MODEL = 'models/spm4k-Q4_K_M.gguf';
const HAVE_MODEL = hasFixture(MODEL);
const bytes = HAVE_MODEL ? readFileSync(requireFixture(MODEL)) : Buffer.alloc(0);

describe.skipIf(!HAVE_MODEL)('MemorySource, BlobSource, FileSource', () => {
  it('read the same bytes and reject reads past the end', async () => {
    const file = await FileSource.open(requireFixture(MODEL));
    const sources = [new MemorySource(bytes), new BlobSource(new Blob([bytes])), file];
    for (const s of sources) {
      expect(s.size).toBe(bytes.byteLength);
      expect(await s.read(100, 50)).toEqual(new Uint8Array(bytes.subarray(100, 150)));
      expect(await s.read(s.size, 0)).toHaveLength(0);
      await expect(s.read(s.size - 10, 11)).rejects.toBeInstanceOf(ByteSourceError);
      await expect(s.read(-1, 1)).rejects.toBeInstanceOf(ByteSourceError);
    }
    await file.close();
    await file.close();
    await expect(file.read(0, 1)).rejects.toThrow(/closed/);
  });

  it('fill a caller-owned buffer with readInto where they offer it (file and memory)', async () => {
    const file = await FileSource.open(requireFixture(MODEL));
    for (const s of [new MemorySource(bytes), file]) {
      const target = new Uint8Array(300).fill(7);
      await s.readInto(1000, target.subarray(100, 250));
      expect(target.subarray(100, 250)).toEqual(new Uint8Array(bytes.subarray(1000, 1150)));
      expect(target.subarray(0, 100).every((b) => b === 7) && target.subarray(250).every((b) => b === 7)).toBe(true);
      await expect(s.readInto(s.size - 10, new Uint8Array(11))).rejects.toBeInstanceOf(ByteSourceError);
    }
    const aborted = AbortSignal.abort();
    await expect(file.readInto(0, new Uint8Array(4), aborted)).rejects.toThrow();
    await file.close();
    await expect(file.readInto(0, new Uint8Array(1))).rejects.toThrow(/closed/);
  });

  it('FileSource names the problem when the path is wrong', async () => {
    await expect(FileSource.open('/nonexistent/model.gguf')).rejects.toThrow(/no such file: check the path/);
    await expect(FileSource.open('/tmp')).rejects.toThrow(/not a regular file/);
  });

  it('toByteSource wraps buffers and blobs and passes sources through', () => {
    const m = new MemorySource(bytes);
    expect(toByteSource(m)).toBe(m);
    expect(toByteSource(bytes)).toBeInstanceOf(MemorySource);
    expect(toByteSource(new Blob([bytes]))).toBeInstanceOf(BlobSource);
    expect(() => toByteSource(42 as unknown as Blob)).toThrow(TypeError);
  });

  it('streams a tensor in chunks equal to reading it whole', async () => {
    const g = await parseGguf(new MemorySource(bytes));
    const t = g.tensor('token_embd.weight')!;
    const chunks: Uint8Array[] = [];
    for await (const c of streamTensorBytes(t, { chunkSize: 1000 })) chunks.push(c);
    expect(chunks.length).toBe(Math.ceil(t.byteLength / 1000));
    expect(Buffer.concat(chunks).equals(await readTensorBytes(t))).toBe(true);
  });
});

describe.skipIf(!HAVE_MODEL)('UrlSource against a local HTTP server', () => {
  let server: TestServer;
  let noRange: TestServer;
  beforeAll(async () => {
    server = await startTestServer(new Map([['model.gguf', bytes]]));
    noRange = await startTestServer(new Map([['model.gguf', bytes]]), { ranges: false });
  });
  afterAll(async () => {
    await server.close();
    await noRange.close();
  });

  it('reads ranges and parses the model like the file', async () => {
    const src = await UrlSource.open(`${server.url}model.gguf`);
    expect(src.size).toBe(bytes.byteLength);
    expect(await src.read(1234, 100)).toEqual(new Uint8Array(bytes.subarray(1234, 1334)));
    const before = server.requests();
    const viaHttp = await openGgufUrl(`${server.url}model.gguf`);
    const fromFile = await openGgufFile(requireFixture(MODEL));
    // Only the header and directory travel: a handful of requests, not the 2.5 MB of weights.
    expect(server.requests() - before).toBeLessThan(5);
    expect(viaHttp.kv).toEqual(fromFile.kv);
    expect(viaHttp.tensors.map((t) => [t.name, t.offset, t.byteLength])).toEqual(
      fromFile.tensors.map((t) => [t.name, t.offset, t.byteLength]),
    );
    const t = viaHttp.tensor('blk.1.ffn_down.weight')!;
    expect(Buffer.from(await readTensorBytes(t)).equals(await readTensorBytes(fromFile.tensor(t.name)!))).toBe(true);
    await fromFile.close();
  });

  it('rejects a server that ignores Range with a clear ByteSourceError', async () => {
    const err = await UrlSource.open(`${noRange.url}model.gguf`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ByteSourceError);
    expect((err as Error).message).toMatch(/ignores HTTP Range requests.*Download the file/);
  });

  it('reports HTTP errors and unreachable hosts as ByteSourceError', async () => {
    await expect(UrlSource.open(`${server.url}missing.gguf`)).rejects.toThrow(/HTTP 404/);
    const closed = await startTestServer(new Map());
    const url = closed.url;
    await closed.close();
    await expect(UrlSource.open(`${url}x.gguf`)).rejects.toBeInstanceOf(ByteSourceError);
  });
});

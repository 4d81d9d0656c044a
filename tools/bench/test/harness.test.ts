import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchRow, peerUnavailable, runBench } from '../src/bench.js';
import type { PeerName } from '../src/peers/index.js';
import { renderBenchTable, renderRoundRatios } from '../src/table.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-harness-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nodePeers: PeerName[] = [
  'llamats',
  ...(peerUnavailable('node-llama-cpp', 'reference') ? [] : ['node-llama-cpp' as const]),
];

describe('runBench on a tiny model', () => {
  let rows: BenchRow[];
  beforeAll(async () => {
    rows = await runBench({
      models: [{ shape: 'tiny', type: 'Q4_0' }],
      peers: nodePeers,
      threads: [1],
      pp: [8, 16],
      tg: 6,
      repetitions: 2,
      llamatsBackend: 'reference',
      isolate: false,
      bandwidth: { 1: 14e9 },
      modelsDir: dir,
    });
  });

  it('runs every peer and every test with the requested token counts', () => {
    expect(rows.map((r) => r.peer)).toEqual(nodePeers);
    for (const r of rows) {
      expect(r.error, r.peer).toBeUndefined();
      expect(r.problems, r.peer).toEqual([]);
      expect(r.result!.pp['8'].map((s) => s.tokens)).toEqual([8, 8]);
      expect(r.result!.pp['16'].map((s) => s.tokens)).toEqual([16, 16]);
      expect(r.result!.tg.map((s) => s.tokens)).toEqual([6, 6]);
      expect(r.tg).toBeGreaterThan(0);
      expect(r.pp['16']).toBeGreaterThan(0);
      expect(r.loadSeconds).toBeGreaterThan(0);
      // the first token comes after the load, from a prompt evaluated on top of it
      expect(r.firstTokenSeconds).toBeGreaterThan(r.loadSeconds!);
    }
  });

  it('holds decode against the bandwidth limit of the model bytes', () => {
    const r = rows[0];
    expect(r.weightBytes).toBeGreaterThan(10e6);
    expect(r.weightBytes).toBeLessThan(r.fileBytes);
    expect(r.tgLimit).toBeCloseTo(14e9 / r.weightBytes, 6);
    expect(r.tgPercentOfLimit).toBeCloseTo((100 * r.tg!) / r.tgLimit!, 6);
  });

  it.skipIf(nodePeers.length < 2)('gives llamats/peer ratios on the peer rows', () => {
    const [ours, peer] = rows;
    expect(ours.ratio).toBeUndefined();
    expect(peer.ratio?.tg).toBeCloseTo(ours.tg! / peer.tg!, 9);
    expect(peer.ratio?.pp['16']).toBeCloseTo(ours.pp['16'] / peer.pp['16'], 9);
  });

  it('renders the table with one line per run', () => {
    const table = renderBenchTable(rows, [8, 16], 6);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(
      /^model\s+peer\s+thr\s+load s\s+1st tok s\s+pp8 t\/s\s+pp16 t\/s\s+tg6 t\/s\s+tg % limit\s+llamats\/peer/,
    );
    expect(lines).toHaveLength(2 + rows.length);
    expect(lines[2]).toContain('tiny Q4_0');
    expect(lines[2]).toContain(rows[0].tg!.toFixed(1));
    if (nodePeers.length > 1) expect(lines[3]).toMatch(/tg \d+\.\d\dx, pp8 \d+\.\d\dx/);
  });
});

describe('runBench in rounds', () => {
  it('alternates the peers, keeps every round, and takes the median of the rounds’ ratios', async () => {
    const order: string[] = [];
    const rows = await runBench({
      models: [{ shape: 'tiny', type: 'Q4_0' }],
      peers: nodePeers,
      threads: [1],
      pp: [8],
      tg: 4,
      repetitions: 1,
      rounds: 3,
      llamatsBackend: 'reference',
      isolate: false,
      bandwidth: { 1: 14e9 },
      modelsDir: dir,
      log: (line) => {
        const m = / (\S+) t=1 round (\d)\/3: running/.exec(line);
        if (m) order.push(`${m[1]}${m[2]}`);
      },
    });
    expect(order).toEqual([1, 2, 3].flatMap((round) => nodePeers.map((p) => `${p}${round}`)));
    expect(rows.map((r) => r.peer)).toEqual(nodePeers);
    for (const r of rows) {
      expect(r.results).toHaveLength(3);
      expect(r.problems).toEqual([]);
      // the row's figures are medians over every round's runs
      const tg = r.results!.map((x) => x.tg[0].tps).sort((a, b) => a - b);
      expect(r.tg).toBe(tg[1]);
    }
    if (nodePeers.length > 1) {
      const [ours, peer] = rows;
      const perRound = [0, 1, 2].map((i) => ours.results![i].tg[0].tps / peer.results![i].tg[0].tps);
      expect(peer.roundRatios?.tg).toEqual(perRound);
      expect(peer.ratio?.tg).toBe([...perRound].sort((a, b) => a - b)[1]);
      // printed under the table, round by round
      const ppRound = [0, 1, 2].map((i) => ours.results![i].pp[8][0].tps / peer.results![i].pp[8][0].tps);
      expect(renderRoundRatios(rows, [8])).toEqual([
        `${peer.model} ${peer.peer} t=1: llamats/peer by round: tg ${perRound.map((x) => x.toFixed(2)).join(', ')}; pp8 ${ppRound.map((x) => x.toFixed(2)).join(', ')}`,
      ]);
    }
  });
});

describe('runBench when a peer cannot run', () => {
  it('keeps a row that says why', async () => {
    const rows = await runBench({
      models: [{ shape: 'tiny', type: 'Q4_0' }],
      peers: ['wllama'],
      threads: [1],
      pp: [8],
      tg: 0,
      repetitions: 1,
      bandwidth: { 1: 14e9 },
      modelsDir: dir,
      wllamaMaxBytes: 1,
    });
    expect(rows).toHaveLength(1);
    expect(rows[0].error).toMatch(/wllama|chromium/);
    expect(renderBenchTable(rows, [8], 0)).toContain(rows[0].error!);
  });
});

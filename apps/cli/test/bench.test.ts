import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import type { BenchRow } from '../src/commands/bench.js';
import { cli } from './cli.js';

const demo = fixturePath('models/stories-demo-Q8_0.gguf');

describe.skipIf(!demo)('bench', () => {
  it('--json gives one row per test with mean, stddev and the decode limit', async () => {
    const r = await cli(['bench', demo!, '-p', '16', '-n', '4', '-r', '2', '-t', '1', '--bandwidth', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as BenchRow[];
    const gguf = await openGgufFile(demo!);
    const params = gguf.tensors.reduce((a, t) => a + t.elements, 0);
    await gguf.source.close?.();
    expect(rows.map((x) => x.test)).toEqual(['pp16', 'tg4']);
    for (const row of rows) {
      expect(row.model).toBe('stories-demo-Q8_0.gguf');
      expect(row.samples).toHaveLength(2);
      expect(row.avg_ts).toBeCloseTo((row.samples[0] + row.samples[1]) / 2, 6);
      expect(row.stddev_ts).toBeCloseTo(Math.abs(row.samples[0] - row.samples[1]) / Math.SQRT2, 6);
      expect(row.params).toBe(params);
    }
    const tg = rows[1];
    expect(tg.limit_ts).toBeCloseTo(10e9 / tg.model_bytes, 6);
    expect(tg.percent_of_limit).toBeCloseTo((100 * tg.avg_ts) / tg.limit_ts!, 6);
    expect(rows[0].percent_of_limit).toBeUndefined();
  });

  it('prints a llama-bench style table, measuring the bandwidth itself', async () => {
    const r = await cli(['bench', demo!, '-p', '8', '-n', '2', '-r', '1', '-t', '1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^\| model\s+\|\s+size \|\s+params \| backend\s+\| threads \|\s+test \|\s+t\/s \| decode limit/,
    );
    expect(lines[2]).toMatch(/\| stories-demo-Q8_0\.gguf \|.*\|\s+pp8 \|\s+[\d.]+ ± [\d.]+ \|/);
    expect(lines[3]).toMatch(/\|\s+tg2 \|\s+[\d.]+ ± [\d.]+ \| [\d.]+% of [\d.]+ \([\d.]+ GB\/s\)/);
  });
});

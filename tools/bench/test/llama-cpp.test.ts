import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/cli.js';
import { llamaBenchArgs, parseLlamaBenchOutput, runLlamaCpp } from '../src/peers/llama-cpp.js';
import type { BenchJob } from '../src/peers/types.js';

const job: BenchJob = {
  modelPath: '/models/tiny.gguf',
  threads: 2,
  pp: [8, 16],
  tg: 4,
  repetitions: 2,
  tokens: [1, 2, 3],
  words: ['a', 'b'],
};

/** One test as llama-bench (build 4748) prints it with `-o json`, the fields the bench does not read left out. */
const test = (nPrompt: number, nGen: number, samplesNs: number[], samplesTs: number[]) => ({
  build_commit: 'c392e5094',
  build_number: 4748,
  cpu_info: 'AMD EPYC',
  gpu_info: '',
  backends: 'CPU',
  n_threads: 2,
  n_prompt: nPrompt,
  n_gen: nGen,
  avg_ts: samplesTs.reduce((a, b) => a + b, 0) / samplesTs.length,
  samples_ns: samplesNs,
  samples_ts: samplesTs,
});
const output = JSON.stringify([
  test(8, 0, [209218416, 195005652], [38.2376, 41.0245]),
  test(16, 0, [400000000, 320000000], [40, 50]),
  test(0, 4, [114326918, 210775352], [34.9874, 18.9776]),
]);

describe('llama.cpp peer (llama-bench)', () => {
  it('asks llama-bench for the job: CPU only, its prompt lengths, generation length and repetitions', () => {
    expect(llamaBenchArgs(job)).toEqual([
      '-m',
      '/models/tiny.gguf',
      '-t',
      '2',
      '-ngl',
      '0',
      '-r',
      '2',
      '-p',
      '8,16',
      '-n',
      '4',
      '-o',
      'json',
    ]);
    expect(llamaBenchArgs({ ...job, pp: [], tg: 0 })).toContain('0');
  });

  it('reads its JSON into samples per test', () => {
    const r = parseLlamaBenchOutput(output, job);
    expect(r.peer).toBe('llama.cpp');
    expect(r.version).toBe('build 4748 (c392e5094), CPU, AMD EPYC');
    expect(r.threads).toBe(2);
    expect(Number.isNaN(r.loadMs)).toBe(true);
    expect(r.pp[8]).toEqual([
      { tps: 38.2376, tokens: 8, ms: 209.218416 },
      { tps: 41.0245, tokens: 8, ms: 195.005652 },
    ]);
    expect(r.pp[16].map((s) => s.tps)).toEqual([40, 50]);
    expect(r.tg.map((s) => [s.tps, s.tokens])).toEqual([
      [34.9874, 4],
      [18.9776, 4],
    ]);
    expect(() => parseLlamaBenchOutput('[]', job)).toThrow(/no tests/);
  });

  it('is a default peer only where a llama-bench is named', () => {
    const saved = process.env.LLAMA_BENCH;
    delete process.env.LLAMA_BENCH;
    try {
      expect(parseBenchArgs([]).options.peers).not.toContain('llama.cpp');
      const named = parseBenchArgs(['--llama-bench', '/opt/llama-bench']).options;
      expect(named.peers).toContain('llama.cpp');
      expect(named.llamaBench).toBe('/opt/llama-bench');
    } finally {
      if (saved !== undefined) process.env.LLAMA_BENCH = saved;
    }
  });

  describe('runs the binary', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'llamats-llama-bench-'));
      // stand-ins for llama-bench: real processes, one printing recorded output and checking its arguments
      await writeFile(
        join(dir, 'ok.sh'),
        `#!/bin/sh\n[ "$2" = "${job.modelPath}" ] && [ "$4" = "2" ] || { echo "bad args: $*" >&2; exit 2; }\ncat <<'EOF'\n${output}\nEOF\n`,
      );
      await writeFile(join(dir, 'fail.sh'), '#!/bin/sh\necho "error: failed to load model" >&2\nexit 1\n');
      await chmod(join(dir, 'ok.sh'), 0o755);
      await chmod(join(dir, 'fail.sh'), 0o755);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('returns its figures', async () => {
      const r = await runLlamaCpp({ ...job, llamaBench: join(dir, 'ok.sh') });
      expect(r.tg).toHaveLength(2);
      expect(Object.keys(r.pp)).toEqual(['8', '16']);
    });

    it('says why it failed', async () => {
      await expect(runLlamaCpp({ ...job, llamaBench: join(dir, 'fail.sh') })).rejects.toThrow(
        /llama-bench exited with 1: error: failed to load model/,
      );
      await expect(runLlamaCpp({ ...job, llamaBench: join(dir, 'missing') })).rejects.toThrow(/not found at/);
    });
  });
});

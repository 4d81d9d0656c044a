import { describe, expect, it } from 'vitest';
import { parseBenchArgs, runBenchCli, USAGE } from '../src/cli.js';
import { runsOnGpu, timeRuns } from '../src/peers/types.js';
import { median } from '../src/stats.js';

describe('bench command line', () => {
  it('has a quick preset', () => {
    const { options } = parseBenchArgs(['--quick']);
    expect(options.models.map((m) => `${m.shape}:${m.type}`)).toEqual(['tinyllama-shape:Q4_0', 'tinyllama-shape:Q8_0']);
    expect(options.pp).toEqual([128]);
    expect(options.tg).toBe(32);
    expect(options.repetitions).toBe(1);
    expect(options.threads).toEqual([1, 2]);
  });

  it('defaults to the BENCH.md figures and takes picks', () => {
    const d = parseBenchArgs([]).options;
    expect(d.models).toHaveLength(3);
    expect(d.pp).toEqual([128, 512]);
    expect(d.tg).toBe(128);
    expect(d.repetitions).toBe(3);
    expect(d.rounds).toBe(1);
    expect(parseBenchArgs(['--rounds', '3']).options.rounds).toBe(3);
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds/);
    const o = parseBenchArgs([
      '--models',
      'tiny:Q8_0',
      '--llama7b',
      '--peers',
      'llamats',
      '-t',
      '2',
      '-p',
      '64',
      '-n',
      '0',
      '-r',
      '5',
    ]).options;
    expect(o.models).toEqual([
      { shape: 'tiny', type: 'Q8_0' },
      { shape: 'llama7b-shape', type: 'Q4_K_M' },
    ]);
    expect([o.peers, o.threads, o.pp, o.tg, o.repetitions]).toEqual([['llamats'], [2], [64], 0, 5]);
  });

  it('rejects unknown peers and bad numbers', () => {
    expect(() => parseBenchArgs(['--peers', 'ollama'])).toThrow(/Unknown peer "ollama"/);
    expect(() => parseBenchArgs(['-t', '0'])).toThrow(/integers >= 1/);
    expect(() => parseBenchArgs(['--llamats-backend', 'gpu'])).toThrow(/one of wasm, webgpu, reference/);
    expect(() => parseBenchArgs(['--gpu', 'metal'])).toThrow(/--gpu is one of vulkan, cuda/);
    expect(() => parseBenchArgs(['--webgpu-options', '{matvec'])).toThrow(/JSON object/);
  });

  it('takes the GPU flags: llamats on WebGPU with tuning options, node-llama-cpp on Vulkan', () => {
    const o = parseBenchArgs([
      '--llamats-backend',
      'webgpu',
      '--gpu',
      'vulkan',
      '--webgpu-options',
      '{"dispatchesPerSubmit":16}',
    ]).options;
    expect([o.llamatsBackend, o.peerGpu, o.webgpuOptions]).toEqual(['webgpu', 'vulkan', '{"dispatchesPerSubmit":16}']);
    expect(parseBenchArgs([]).options.peerGpu).toBe(false);
  });

  it('prints help', async () => {
    const out: string[] = [];
    expect(await runBenchCli(['--help'], { out: (t) => out.push(t), log: () => {} })).toBeUndefined();
    expect(out).toEqual([USAGE]);
  });
});

describe('figures', () => {
  it('takes medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('GPU runs', () => {
  it('each peer is on a GPU by its own setting, and only then warms up untimed', async () => {
    const job = { backend: 'webgpu' as const, gpu: false as const };
    expect([runsOnGpu('llamats', job), runsOnGpu('node-llama-cpp', job)]).toEqual([true, false]);
    const nlcOnVulkan = { backend: 'wasm' as const, gpu: 'vulkan' as const };
    expect([runsOnGpu('llamats', nlcOnVulkan), runsOnGpu('node-llama-cpp', nlcOnVulkan)]).toEqual([false, true]);
    let calls = 0;
    const fn = async () => ++calls;
    expect(await timeRuns(2, fn, 1, true)).toHaveLength(2);
    expect(calls).toBe(3);
    expect(await timeRuns(2, fn, 1)).toHaveLength(2);
    expect(calls).toBe(5);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l: string) => {
        out.push(l);
      },
      err: (t: string) => {
        err.push(t);
      },
      tty: false,
    },
  };
}

describe('make-model CLI', () => {
  it('prints help', async () => {
    const c = io();
    expect(await runCli(['--help'], c.io)).toEqual([]);
    expect(c.out[0]).toMatch(/--shape NAME/);
  });

  it('writes each requested type and prints the paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'make-model-cli-'));
    try {
      const c = io();
      const made = await runCli(['--shape', 'tiny', '--type', 'Q4_0,Q8_0', '--n-layer', '1', '--out', dir], c.io);
      expect(made.map((m) => m.shape.name)).toEqual(['tiny-l1', 'tiny-l1']);
      expect(c.out).toEqual([join(dir, 'tiny-l1-Q4_0.gguf'), join(dir, 'tiny-l1-Q8_0.gguf')]);
      const again = io();
      await runCli(['--shape', 'tiny', '--type', 'Q4_0', '--n-layer', '1', '--out', dir, '--json'], again.io);
      expect(JSON.parse(again.out[0])).toMatchObject({ reused: true, fileType: 'Q4_0' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad flags with a message that says what to change', async () => {
    await expect(runCli(['--shape', 'tiny', '--n-ff', 'x'], io().io)).rejects.toThrow(
      /--n-ff needs a non-negative integer/,
    );
    await expect(runCli(['--type', 'Q9_9', '--shape', 'tiny', '--out', tmpdir()], io().io)).rejects.toThrow(
      /Unknown quantization type/,
    );
  });
});

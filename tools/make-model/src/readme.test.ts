// Runs the README's example (examples/quick-start.ts), and checks the README shows that very file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { quickStart } from '../examples/quick-start.js';

const pkg = join(import.meta.dirname, '..');

describe('README example', () => {
  it('is the code of examples/quick-start.ts', async () => {
    const readme = await readFile(join(pkg, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(await readFile(join(pkg, 'examples/quick-start.ts'), 'utf8'));
  });

  it('runs as documented', async () => {
    const out = await mkdtemp(join(tmpdir(), 'make-model-readme-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const made = await quickStart(out);
      expect(made.tensorTypes).toEqual({ Q6_K: 3, F32: 5, Q4_K: 13 });
      const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(printed).toContain('output.weight: [256,32000] Q6_K');
      expect(printed).toMatch(/tiny-Q4_K_M\.gguf: \d+ bytes, \d+ parameters, vocabulary 32000/);
    } finally {
      log.mockRestore();
      await rm(out, { recursive: true, force: true });
    }
  });
});

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
    const dir = await mkdtemp(join(tmpdir(), 'bench-readme-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const rows = await quickStart(dir);
      expect(rows.map((r) => r.peer)).toEqual(['llamats', 'node-llama-cpp']);
      expect(rows[0].result?.tg.map((s) => s.tokens)).toEqual([16]);
      // node-llama-cpp runs when the peers are installed, else its row says why.
      expect(rows[1].error === undefined ? rows[1].tg : rows[1].error).toBeTruthy();
      expect(String(log.mock.calls[0][0])).toMatch(/^model\s+peer\s+thr/);
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

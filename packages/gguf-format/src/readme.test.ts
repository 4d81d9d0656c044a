// Runs the README's example (examples/quick-start.ts), and checks the README shows that very file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasFixture, requireFixture } from '@llamats/test-fixtures';
import { describe, expect, it, vi } from 'vitest';
import { quickStart } from '../examples/quick-start.js';

const pkg = join(import.meta.dirname, '..');

describe('README example', () => {
  it('is the code of examples/quick-start.ts', () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(join(pkg, 'examples/quick-start.ts'), 'utf8'));
  });

  it.skipIf(!hasFixture('models/spm4k-Q4_K_M.gguf'))('runs as documented', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gguf-readme-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const result = await quickStart(requireFixture('models/spm4k-Q4_K_M.gguf'), out);
      expect(result).toMatchObject({ hp: { embeddingLength: 256, vocabSize: 4096 }, embdBytes: 4096 * 144, parts: 3 });
      const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(printed).toMatch(/file type +MOSTLY_Q4_K_M/);
      expect(printed).toMatch(/token_embd.weight: \[256,4096\] Q4_K, 589824 bytes/);
      expect(printed).toMatch(/3 parts; .* is in model-00003-of-00003.gguf at byte \d+/);
    } finally {
      log.mockRestore();
      rmSync(out, { recursive: true, force: true });
    }
  });
});

// Runs the README's quick-start block: the demo model path made absolute, port 8080 made 0 (any free port).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { demoModelPath } from '@llamats/test-fixtures';
import { expect, it, vi } from 'vitest';

const pkg = join(import.meta.dirname, '..');

it('README quick start runs as documented', async () => {
  const readme = await readFile(join(pkg, 'README.md'), 'utf8');
  const block = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const model = "'models/stories-demo-Q8_0.gguf'";
  expect(block).toContain(model);
  expect(block).toContain('port: 8080');
  const code = block!.replace(model, JSON.stringify(demoModelPath)).replace('port: 8080', 'port: 0');
  const dir = join(pkg, '.cache');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'readme-example.ts');
  await writeFile(file, code);
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await import(pathToFileURL(file).href);
  } finally {
    write.mockRestore();
  }
  expect(out.endsWith('\n')).toBe(true);
  expect(out.trim().split(/\s+/).length).toBeGreaterThan(10);
});

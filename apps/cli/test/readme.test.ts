import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { cliDir, cliEntry, runProcess } from './cli.js';

/** The commands of the README's quick-start block, without their comments. */
function quickStart(): string[] {
  const readme = readFileSync(join(cliDir, 'README.md'), 'utf8');
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '');
}

describe.skipIf(!fixturePath('models/stories-demo-Q8_0.gguf'))('README quick start', () => {
  const commands = quickStart();

  it('has commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(3);
  });

  it.each(commands)('%s', async (command) => {
    const r = await runProcess('bash', ['-c', `llamats() { "${process.execPath}" "${cliEntry}" "$@"; }\n${command}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliDir } from './cli.js';

const COMMANDS = ['run', 'chat', 'serve', 'bench', 'perplexity', 'inspect', 'tokenize', 'quantize', 'completion'];

const hasShell = (name: string) => {
  try {
    execFileSync(name, ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
};

describe('help, version, completion', () => {
  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')).version);
  });

  it('--help lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it.each(COMMANDS)('%s --help describes its usage and exits 0', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: llamats ${command} `));
    expect(r.stdout).toMatch(/Example/);
  });

  it('run --help documents the sampling flags', async () => {
    const r = await cli(['run', '--help']);
    for (const flag of [
      '--temp',
      '--top-k',
      '--top-p',
      '--min-p',
      '--repeat-penalty',
      '--seed',
      '--n-predict',
      '--stop',
      '--grammar-file',
      '--json-schema',
      '--ctx-size',
      '--threads',
      '--backend',
      '--system',
      '--template',
      '--json',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it.skipIf(!hasShell('bash'))('bash completion is valid bash and completes commands and flags', async () => {
    const r = await cli(['completion', 'bash']);
    expect(r.code).toBe(0);
    const script = join(tmpdir(), `llamats-completion-${process.pid}.bash`);
    writeFileSync(script, r.stdout);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _llamats; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(complete(['llamats', 'qu']).split(' ')).toEqual(['quantize']);
    expect(complete(['llamats', 'run', '--te']).split(' ')).toEqual(expect.arrayContaining(['--temp', '--template']));
  });

  it.skipIf(!hasShell('zsh'))('zsh completion parses', async () => {
    const r = await cli(['completion', 'zsh']);
    const script = join(tmpdir(), `llamats-completion-${process.pid}.zsh`);
    writeFileSync(script, r.stdout);
    execFileSync('zsh', ['-n', script]);
  });

  it('zsh completion declares every command', async () => {
    const r = await cli(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#compdef llamats/);
    for (const c of COMMANDS) expect(r.stdout).toContain(`'${c}:`);
  });

  it('rejects an unknown shell', async () => {
    const r = await cli(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown shell "fish"/);
  });
});

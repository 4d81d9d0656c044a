import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, hasFixture, readFixtureJson } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

interface TokenizerCase {
  vocab: string;
  text_file: string;
  text: string;
  tokens: number[];
}

const cases = hasFixture('golden/tokenizer.json')
  ? readFixtureJson<{ cases: TokenizerCase[] }>('golden/tokenizer.json').cases.filter(
      // The tokenizer package checks every text; here the short, mixed and chat texts check the CLI's plumbing.
      (c) => hasFixture(`vocab/${c.vocab}`) && ['short.txt', 'mixed.txt', 'chat.txt'].includes(c.text_file),
    )
  : [];
const spm = fixturePath('vocab/ggml-vocab-llama-spm.gguf');

describe('tokenize', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llamats-tokenize-'));

  it.skipIf(cases.length === 0)('--json matches llama-tokenize on every golden vocabulary and text', async () => {
    const failures: string[] = [];
    await Promise.all(
      cases.map(async (c, i) => {
        const file = join(dir, `case-${i}.txt`);
        writeFileSync(file, c.text);
        // llama-tokenize parses special-token text by default (the chat case starts with a literal <s>).
        const r = await cli(['tokenize', fixturePath(`vocab/${c.vocab}`)!, '-f', file, '--json', '--parse-special']);
        if (r.code !== 0) failures.push(`${c.vocab} ${c.text_file}: ${r.stderr}`);
        else if (JSON.stringify(JSON.parse(r.stdout)) !== JSON.stringify(c.tokens))
          failures.push(`${c.vocab} ${c.text_file}: tokens differ`);
      }),
    );
    expect(failures).toEqual([]);
  });

  it.skipIf(!spm)('prints ids with their pieces; --no-bos and --parse-special change the ids', async () => {
    const plain = await cli(['tokenize', spm!, 'Hello world']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^\s*1 -> "<s>"$/m);
    expect(plain.stderr).toMatch(/\d+ tokens/);
    const withBos = JSON.parse((await cli(['tokenize', spm!, 'Hello world', '--json'])).stdout) as number[];
    const noBos = JSON.parse((await cli(['tokenize', spm!, 'Hello world', '--json', '--no-bos'])).stdout) as number[];
    expect(withBos).toEqual([1, ...noBos]);
    const special = JSON.parse((await cli(['tokenize', spm!, '<s>', '--json', '--no-bos', '--parse-special'])).stdout);
    expect(special).toEqual([1]);
    const literal = JSON.parse((await cli(['tokenize', spm!, '<s>', '--json', '--no-bos'])).stdout) as number[];
    expect(literal).not.toEqual([1]);
    const ids = await cli(['tokenize', spm!, '--ids', '--no-bos'], { input: 'Hello world' });
    expect(ids.stdout.trim()).toBe(`[${noBos.join(', ')}]`);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, readModelGolden } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';

const demo = fixturePath('models/stories-demo-Q8_0.gguf');

interface RunJson {
  text: string;
  tokens: number[];
  prompt_tokens: number;
  prompt_ids: number[];
  finish_reason: string;
  timings: Record<string, number>;
}

describe.skipIf(!demo)('run', () => {
  const golden = demo ? readModelGolden('stories-demo-Q8_0') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'llamats-run-'));

  // llama.cpp's greedy continuation, up to the first step where its top two logits are within 0.3.
  it.each(['story', 'short', 'mixed', 'chat', 'long'])(
    "greedy output for the %s prompt equals llama.cpp's",
    async (name) => {
      const p = golden!.prompts[name];
      const promptFile = join(dir, `${name}.txt`);
      writeFileSync(promptFile, p.text);
      const nCtx = p.tokens.length + p.greedy!.length + 8; // the long prompt needs more than the model's 256
      const args = [
        'run',
        demo!,
        '-f',
        promptFile,
        '--temp',
        '0',
        '-n',
        String(p.greedy!.length),
        '-c',
        String(nCtx),
        '--json',
      ];
      if (p.parse_special) args.push('--parse-special');
      if (!p.add_special) args.push('--no-bos');
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as RunJson;
      expect(out.prompt_ids).toEqual(p.tokens);
      expect(out.prompt_tokens).toBe(p.tokens.length);
      const margins = p.greedy_margin as number[];
      const firstUncertain = margins.findIndex((m) => m < 0.3);
      const confident = firstUncertain < 0 ? margins.length : firstUncertain;
      expect(confident).toBeGreaterThan(0);
      expect(out.tokens.slice(0, confident)).toEqual(p.greedy!.slice(0, confident));
    },
  );

  it('`llamats run` alone tells a story with the demo model', async () => {
    const r = await cli(['run', '-n', '24', '--seed', '7']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Once upon a time\S*\s+\S+/);
    expect(r.stdout.length).toBeGreaterThan('Once upon a time'.length + 20);
  });

  it('--verbose names the backend and its kernels', async () => {
    const r = await cli(['run', demo!, '-p', 'Once upon a time', '-n', '2', '--temp', '0', '--verbose']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /loaded \S+ on the wasm backend \(AssemblyScript .*SIMD.* kernels, \d+ threads?\b.*\) in \d+ ms/,
    );
  });

  it('--json reports tokens, text, prompt tokens and timings; a seed makes sampling repeatable', async () => {
    const args = ['run', demo!, '-p', 'Once upon a time', '-n', '16', '--seed', '42', '--temp', '0.9', '--json'];
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    expect(a.code, a.stderr).toBe(0);
    const out = JSON.parse(a.stdout) as RunJson;
    expect(out.tokens.length).toBeGreaterThan(0);
    expect(out.tokens.length).toBeLessThanOrEqual(16);
    expect(typeof out.text).toBe('string');
    expect(out.prompt_tokens).toBe(out.prompt_ids.length);
    expect(out.timings.generated_tokens_per_second).toBeGreaterThan(0);
    expect(JSON.parse(b.stdout).tokens).toEqual(out.tokens);
  });

  it('--stop ends the text before the stop string', async () => {
    const r = await cli(['run', demo!, '-p', 'Once upon a time', '--temp', '0', '-n', '64', '--stop', '.', '--json']);
    const out = JSON.parse(r.stdout) as RunJson;
    expect(out.finish_reason).toBe('stop');
    expect(out.text).not.toContain('.');
  });

  it('--grammar-file and --json-schema constrain the output', async () => {
    const grammar = join(dir, 'yes-no.gbnf');
    writeFileSync(grammar, 'root ::= "yes" | "no"\n');
    const yesNo = JSON.parse(
      (await cli(['run', demo!, '-p', 'Is the sky blue?', '--grammar-file', grammar, '-n', '8', '--json'])).stdout,
    ) as RunJson;
    expect(['yes', 'no']).toContain(yesNo.text);
    const schema = {
      type: 'object',
      properties: { name: { enum: ['Lily', 'Tom'] }, age: { type: 'integer', minimum: 1, maximum: 9 } },
      required: ['name', 'age'],
    };
    const r = await cli([
      'run',
      demo!,
      '-p',
      'Once upon a time',
      '--json-schema',
      JSON.stringify(schema),
      '-n',
      '48',
      '--seed',
      '2',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const value = JSON.parse((JSON.parse(r.stdout) as RunJson).text);
    expect(['Lily', 'Tom']).toContain(value.name);
    expect(Number.isInteger(value.age) && value.age >= 1 && value.age <= 9).toBe(true);
  });

  it('--system formats the prompt with the chat template', async () => {
    const r = await cli([
      'run',
      demo!,
      '--system',
      'You tell stories.',
      '-p',
      'Tell me about a cat.',
      '-n',
      '8',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as RunJson;
    // The rendered turn is longer than the bare prompt (system text, role markers).
    expect(out.prompt_tokens).toBeGreaterThan(12);
    expect(out.prompt_ids).toBeUndefined();
  });

  it('a missing prompt file is one error line', async () => {
    const r = await cli(['run', demo!, '-f', join(dir, 'nope.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: Cannot read prompt file .*nope\.txt: no such file$/);
  });
});

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, stderrLines } from './cli.js';

/** A failure is one `error:` line on stderr, nothing on stdout, and a non-zero exit code. */
function expectOneErrorLine(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  const lines = stderrLines(r);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.stdout).toBe('');
}

describe('errors', () => {
  it('a missing model file', async () => {
    const r = await cli(['inspect', '/nonexistent/model.gguf']);
    expectOneErrorLine(r, /nonexistent\/model\.gguf.*(pass a \.gguf path|check the path)/);
    expect(r.code).toBe(1);
  });

  it('a file that is not GGUF', async () => {
    const path = join(tmpdir(), `llamats-not-gguf-${process.pid}.gguf`);
    writeFileSync(path, 'this is plain text, not a model\n');
    for (const command of [
      ['inspect', path],
      ['tokenize', path, 'hi'],
      ['quantize', path, `${path}.out`, 'Q8_0'],
    ]) {
      expectOneErrorLine(await cli(command), /Not a GGUF file/);
    }
  });

  it('bad flag values name the flag and the accepted range', async () => {
    expectOneErrorLine(await cli(['run', '--temp', 'warm']), /--temp.*'warm' is invalid.*Expected a number/);
    expectOneErrorLine(await cli(['run', '--top-p', '1.5']), /--top-p.*Expected a number from 0 to 1/);
    expectOneErrorLine(await cli(['run', '--ctx-size', '12.5']), /--ctx-size.*Expected an integer/);
    expectOneErrorLine(
      await cli(['run', '--backend', 'cuda']),
      /--backend.*Expected one of auto, wasm, webgpu, reference/,
    );
    expectOneErrorLine(await cli(['bench', 'm.gguf', '-p', '128,,512']), /--n-prompt.*comma-separated/);
    expectOneErrorLine(
      await cli(['quantize', 'in.gguf', 'out.gguf', 'Q9_X']),
      /Unknown quantization type "Q9_X".*Q4_K_M/,
    );
  });

  it('usage errors exit with 2', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(stderrLines(unknown)[0]).toMatch(/^error: unknown command 'frobnicate'/);
    const flag = await cli(['inspect', '--no-such-flag']);
    expect(flag.code).toBe(2);
    expect(stderrLines(flag)[0]).toMatch(/^error: unknown option '--no-such-flag'/);
    const missing = await cli(['quantize', 'only-one-arg']);
    expect(missing.code).toBe(2);
    expect(stderrLines(missing)[0]).toMatch(/^error: missing required argument/);
  });

  it('--verbose adds the stack trace', async () => {
    const r = await cli(['inspect', '/nonexistent/model.gguf', '--verbose']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

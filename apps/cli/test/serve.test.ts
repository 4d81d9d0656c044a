import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fixturePath } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { cli, cliDir, cliEntry } from './cli.js';

describe.skipIf(!fixturePath('models/stories-demo-Q8_0.gguf'))('llamats serve', () => {
  it('serves the demo model on loopback, needs the API key, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [cliEntry, 'serve', '--port', '0', '--api-key', 'k', '-t', '1'], {
      cwd: cliDir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: string) => {
          stdout += d;
          const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
      });
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      const r = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: 'Once upon a time', temperature: 0, max_tokens: 8 }),
      });
      const body = await r.json();
      expect(body.model).toBe('stories-demo-Q8_0');
      expect(body.usage.completion_tokens).toBe(8);
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });

  it('says so when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const port = (blocker.address() as { port: number }).port;
      const r = await cli(['serve', '--port', String(port), '-t', '1'], { timeoutMs: 30_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`error: 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      blocker.close();
    }
  });
});

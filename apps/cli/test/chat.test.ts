import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@llamats/test-fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, cliDir, cliEntry } from './cli.js';

const demo = fixturePath('models/stories-demo-Q8_0.gguf');
const hasScript = (() => {
  try {
    execFileSync('script', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/** The CLI in a pseudo-terminal (util-linux `script`), driven like a person at a keyboard. */
class Terminal {
  private readonly child: ChildProcessWithoutNullStreams;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    const command = [process.execPath, cliEntry, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    this.child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: cliDir,
      env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' },
    });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.output += d;
    });
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.output += d;
    });
    this.exited = new Promise((r) => this.child.on('close', r));
  }

  get text(): string {
    return stripAnsi(this.output);
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Waits until the screen text after `from` matches `pattern`; returns the position after the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.text.slice(from));
      if (m) return from + m.index + m[0].length;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

describe.skipIf(!demo)('chat', () => {
  const terminals: Terminal[] = [];
  afterEach(() => {
    for (const t of terminals.splice(0)) t.kill();
  });

  it.skipIf(!hasScript)('in a terminal: type a message, see a reply, /reset, /exit', async () => {
    const t = new Terminal(['chat', demo!, '--temp', '0', '-n', '12']);
    terminals.push(t);
    let at = await t.waitFor(/^> /m);
    t.type('Once upon a time\r');
    at = await t.waitFor(/Once upon a time\n([\s\S]+?)\n> /, at);
    const reply = /Once upon a time\n([\s\S]+?)\n> /.exec(t.text)![1];
    expect(reply.trim().length).toBeGreaterThan(0);
    t.type('/reset\r');
    at = await t.waitFor(/\(conversation cleared\)\n> /, at);
    t.type('/help\r');
    at = await t.waitFor(/\/save FILE[\s\S]*> /, at);
    t.type('/exit\r');
    expect(await t.exited).toBe(0);
  });

  it.skipIf(!hasScript)('Ctrl-C stops a reply without leaving; Ctrl-C at the prompt leaves', async () => {
    const t = new Terminal(['chat', demo!, '--ignore-eos', '-n', '-1', '-c', '256', '--backend', 'reference']);
    terminals.push(t);
    let at = await t.waitFor(/^> /m);
    t.type('Tell me a long story\r');
    // Ctrl-C as soon as the message is sent: the prompt is being evaluated or the reply written.
    at = await t.waitFor(/Tell me a long story\n/, at);
    t.type('\x03');
    at = await t.waitFor(/\(stopped\)\n> /, at);
    t.type('\x03');
    expect(await t.exited).toBe(0);
  });

  it('reads one message per line from a pipe; /save and /load carry the conversation', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'llamats-chat-')), 'conversation.bin');
    const args = ['chat', demo!, '--temp', '0', '-n', '10'];
    const first = await cli(args, { input: `Once upon a time\n/save ${file}\nThe dog ran\n` });
    expect(first.code, first.stderr).toBe(0);
    const replies = first.stdout.split('\n').filter((l) => l.trim() !== '');
    expect(replies).toHaveLength(2);
    expect(first.stderr).toMatch(/\(saved 2 messages to .*conversation\.bin\)/);
    // A new process that loads the file continues exactly where the first one was.
    const second = await cli(args, { input: `/load ${file}\nThe dog ran\n` });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/\(loaded 2 messages/);
    expect(second.stdout.trim()).toBe(replies[1].trim());
    // After /reset, the same message gets the reply it gets in a fresh conversation.
    const reset = await cli(args, { input: 'Once upon a time\n/reset\nThe dog ran\n' });
    const fresh = await cli(args, { input: 'The dog ran\n' });
    expect(reset.stdout.split('\n').filter((l) => l.trim() !== '')[1]).toBe(fresh.stdout.trim());
  });

  it('bad slash commands and files are reported without ending the chat', async () => {
    const r = await cli(['chat', demo!, '-n', '4'], {
      input: '/frobnicate\n/load /nonexistent.bin\n/exit\nnever sent\n',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/unknown command \/frobnicate/);
    expect(r.stderr).toMatch(/error: .*nonexistent\.bin/);
    expect(r.stdout.trim()).toBe('');
  });
});

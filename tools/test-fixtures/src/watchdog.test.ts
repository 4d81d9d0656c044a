// The test watchdog in a plain Node process (the built module, as vitest's setup file uses the same code):
// a thread stuck in JavaScript is reported with its stack and killed; one waiting on a child process gets
// the child killed and goes on.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = join(dirname(fileURLToPath(import.meta.url)), '../dist/watchdog.js');

function runScript(
  body: string,
): Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }> {
  const script = `import { startTestWatchdog } from ${JSON.stringify(built)};
const watchdog = startTestWatchdog({ label: 'probe.test.ts', limitSeconds: 1, checkSeconds: 0.2 });
${body}`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, stdout });
    });
  });
}

describe.skipIf(!existsSync(built))('test watchdog', () => {
  it('reports a thread stuck in a loop with its stack, then kills the process', async () => {
    const r = await runScript(`watchdog.phase('test "spins"');
function spinForever() { for (;;) {} }
setTimeout(spinForever, 100);`);
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(r.stderr).toContain('[test watchdog] probe.test.ts: test "spins" has run');
    expect(r.stderr).toMatch(/JavaScript stack:\n\[test watchdog\] {5}spinForever /);
    expect(r.stderr).toContain('killing the test process');
  }, 40_000);

  it('kills the child process a synchronous call waits on, and the process goes on', async () => {
    const r = await runScript(`import { spawnSync } from 'node:child_process';
watchdog.phase('test "waits"');
const run = spawnSync('sleep', ['100']);
watchdog.phase('after');
console.log('went on, child ended by ' + run.signal);
watchdog.stop();`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('went on, child ended by SIGKILL');
    expect(r.stderr).toMatch(/child process \d+ \(parent \d+, state S\): sleep 100/);
    expect(r.stderr).toContain('killing the child processes');
    expect(r.stderr).not.toContain('killing the test process');
  }, 40_000);

  it('refuses a limit that is not a positive number of seconds', async () => {
    const { startTestWatchdog } = await import('./watchdog.js');
    expect(() => startTestWatchdog({ label: 'x', limitSeconds: Number('ten') })).toThrow(
      /limitSeconds must be a positive number of seconds, not NaN/,
    );
    expect(() => startTestWatchdog({ label: 'x', limitSeconds: 10, checkSeconds: 0 })).toThrow(RangeError);
  });

  it('stays quiet while phases end in time', async () => {
    const r = await runScript(`for (let i = 0; i < 5; i++) {
  watchdog.phase('test ' + i);
  await new Promise((r) => setTimeout(r, 400));
}
watchdog.stop();
console.log('done');`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('done');
    expect(r.stderr).toBe('');
  }, 40_000);
});

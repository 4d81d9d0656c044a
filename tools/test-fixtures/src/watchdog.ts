/**
 * A watchdog for a test process. Vitest's timeouts run on the test's own event loop, so a test that blocks
 * it (a wasm kernel that never returns, `spawnSync` or `execFileSync` waiting on a child, `Atomics.wait`) or a
 * test file whose top-level `await` never settles (collection has no timeout) would hang the whole run
 * until CI's limit, printing nothing. A worker thread watches instead: when one phase (collecting the
 * file, a test, the time between tests) runs past the limit, it prints where the process is (the phase,
 * the main thread's JavaScript stack when it is running code, its kernel wait channel when it sits in a
 * system call, every child process with its command line), then kills the children and the process, so
 * the runner reports that file as failed and the run goes on.
 */
import { Worker } from 'node:worker_threads';

export interface TestWatchdogOptions {
  /** What the process is running, for the report (a test file's path). */
  readonly label: string;
  /** Seconds one phase may run. */
  readonly limitSeconds: number;
  /** Seconds between checks (default 5). */
  readonly checkSeconds?: number;
}

export interface TestWatchdog {
  /** A new phase starts now (`test "decodes Q4_K"`): the clock restarts. `label` replaces the process's. */
  phase(name: string, label?: string): void;
  /** Stops watching. */
  stop(): void;
}

// Plain CommonJS for an eval'd worker: no transform reaches it.
const WATCHDOG_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const inspector = require('node:inspector');

const { limitSeconds, checkSeconds } = workerData;
let label = workerData.label;
let phase = workerData.phase;
let since = Date.now();
parentPort.on('message', (m) => {
  if (m.type === 'phase') {
    phase = m.name;
    since = m.at;
    if (m.label) label = m.label;
  } else if (m.type === 'stop') {
    clearInterval(timer);
    parentPort.close();
  }
});

function say(line) {
  try {
    fs.writeSync(2, '[test watchdog] ' + line + '\n');
  } catch {}
}

function read(path) {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** pid, state and parent of a process from /proc/<pid>/stat (the name may hold spaces and parentheses). */
function stat(pid) {
  const text = read('/proc/' + pid + '/stat');
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  return { pid, state: fields[0], parent: Number(fields[1]) };
}

function commandLine(pid) {
  const cmd = read('/proc/' + pid + '/cmdline').split('\0').filter(Boolean).join(' ');
  return cmd.length > 300 ? cmd.slice(0, 300) + '...' : cmd;
}

/** Every process below pid, parents before children. */
function descendants(pid) {
  let all = [];
  try {
    all = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).map(stat).filter(Boolean);
  } catch {
    return [];
  }
  const found = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const s of all) if (s.parent === p) { found.push(s); queue.push(s.pid); }
  }
  return found;
}

function threadState(pid) {
  const s = stat(pid);
  const wchan = read('/proc/' + pid + '/task/' + pid + '/wchan').trim();
  if (!s) return 'unknown (no /proc)';
  const running = s.state === 'R' ? 'running (busy in JavaScript or wasm, or spinning)' : 'blocked (state ' + s.state + ')';
  return running + (wchan && wchan !== '0' ? ', kernel wait channel ' + wchan : '');
}

/**
 * The main thread's JavaScript stack through the inspector; undefined when it does not answer in time (it
 * sits in a system call). A pause that arrives after that is resumed at once, so a test process that goes
 * on is not left stopped in the debugger (disconnecting instead would wait for the main thread).
 */
function mainStack(ms) {
  return new Promise((resolve) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      resolve(undefined);
    }, ms);
    try {
      const session = new inspector.Session();
      session.connectToMainThread();
      const urls = new Map();
      session.on('Debugger.scriptParsed', (m) => urls.set(m.params.scriptId, m.params.url));
      session.on('Debugger.paused', (m) => {
        if (late) {
          session.post('Debugger.resume', () => session.post('Debugger.disable'));
          return;
        }
        clearTimeout(timer);
        resolve(m.params.callFrames.map((f) => {
          const url = f.url || urls.get(f.location.scriptId) || '?';
          return (f.functionName || '(anonymous)') + ' ' + url + ':' + (f.location.lineNumber + 1) + ':' + (f.location.columnNumber + 1);
        }));
      });
      session.post('Debugger.enable', () => session.post('Debugger.pause'));
    } catch (e) {
      clearTimeout(timer);
      resolve(undefined);
    }
  });
}

let firing = false;
async function check() {
  const seconds = (Date.now() - since) / 1000;
  if (firing || seconds < limitSeconds) return;
  firing = true;
  const stuckSince = since;
  const pid = process.pid;
  say(label + ': ' + phase + ' has run ' + Math.round(seconds) + ' s (limit ' + limitSeconds + ' s) and is stuck where the test runner\'s own timeouts cannot end it.');
  say('main thread: ' + threadState(pid));
  const stack = await mainStack(5000);
  if (stack) {
    say('main thread JavaScript stack:');
    for (const frame of stack.slice(0, 30)) say('    ' + frame);
  } else {
    say('main thread JavaScript stack: not available (it did not answer the inspector within 5 s: inside a system call)');
    say('main thread now: ' + threadState(pid));
  }
  const children = descendants(pid);
  if (!children.length) say('no child processes');
  for (const c of children) say('child process ' + c.pid + ' (parent ' + c.parent + ', state ' + c.state + '): ' + commandLine(c.pid));
  if (children.length && !stack) {
    // Waiting on a child (spawnSync, execFileSync, a top-level await on one): ending the children lets the
    // call return an error, so the test fails with its own message and the file goes on.
    say('killing the child processes; the test process goes on if that ends the wait');
    for (const c of children.reverse()) {
      try { process.kill(c.pid, 'SIGKILL'); } catch {}
    }
    await new Promise((r) => setTimeout(r, 10000));
    if (since !== stuckSince) {
      say('the test process went on');
      firing = false;
      return;
    }
  }
  say('killing the test process');
  for (const c of descendants(pid).reverse()) {
    try { process.kill(c.pid, 'SIGKILL'); } catch {}
  }
  process.kill(pid, 'SIGKILL');
}
const timer = setInterval(check, checkSeconds * 1000);
`;

/** Starts watching this process from a worker thread that does not keep the process alive. */
export function startTestWatchdog(options: TestWatchdogOptions): TestWatchdog {
  // a limit that is not a positive number would fire at the first check (NaN compares false)
  for (const [name, value] of [
    ['limitSeconds', options.limitSeconds],
    ['checkSeconds', options.checkSeconds ?? 5],
  ] as const) {
    if (!(value > 0) || !Number.isFinite(value))
      throw new RangeError(`test watchdog: ${name} must be a positive number of seconds, not ${value}`);
  }
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    // CommonJS whatever flags started this process (`--input-type=module` would make it a module)
    execArgv: [],
    workerData: {
      label: options.label,
      limitSeconds: options.limitSeconds,
      checkSeconds: options.checkSeconds ?? 5,
      phase: 'loading the test file',
    },
  });
  worker.unref();
  return {
    phase(name: string, label?: string) {
      worker.postMessage({ type: 'phase', name, label, at: Date.now() });
    },
    stop() {
      worker.postMessage({ type: 'stop' });
    },
  };
}

/**
 * Vitest setup file (vitest.shared.ts `setupFiles`): one {@link startTestWatchdog} per test process, told
 * when each test starts and ends, so a test file stuck where vitest's timeouts cannot reach is reported
 * with its stack and ended instead of hanging the run. The limit is `LLAMATS_TEST_STALL_SECONDS` (default
 * 600: above every test's own timeout, so those fire first wherever they can).
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { startTestWatchdog, type TestWatchdog } from './watchdog.js';

const KEY = Symbol.for('llamats.testWatchdog');
const holder = globalThis as { [KEY]?: TestWatchdog };

function fullName(task: { name: string; suite?: { name: string; suite?: unknown } }): string {
  const names = [task.name];
  for (let s = task.suite as typeof task | undefined; s?.name; s = s.suite as typeof task | undefined)
    names.unshift(s.name);
  return names.join(' > ');
}

const label = expect.getState().testPath ?? 'a test file';
const limit = process.env.LLAMATS_TEST_STALL_SECONDS;
if (limit !== undefined && !(Number(limit) > 0))
  throw new RangeError(`LLAMATS_TEST_STALL_SECONDS must be a positive number of seconds, not "${limit}"`);
holder[KEY] ??= startTestWatchdog({ label, limitSeconds: Number(limit ?? 600) });
const watchdog = holder[KEY];
watchdog.phase('collecting the file', label);

beforeEach((context) => {
  watchdog.phase(`test "${fullName(context.task)}"`);
});
afterEach(() => {
  watchdog.phase("the time after a test (its hooks, the next test's setup)");
});

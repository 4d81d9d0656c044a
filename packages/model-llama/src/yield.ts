/**
 * Lets the event loop run (timers, signals, I/O) between units of long synchronous compute, so that an
 * AbortSignal fired by Ctrl-C or a closed HTTP connection is seen. A macrotask, not a microtask.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (g.setImmediate) return new Promise((resolve) => g.setImmediate!(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}

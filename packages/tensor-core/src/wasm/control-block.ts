/**
 * The layout of the control block: a small SharedArrayBuffer through which the calling thread hands a
 * kernel call to the workers and learns when they are done (Atomics on its i32 slots). Shared by the
 * thread pool and the worker script, which reads the same constants.
 */
export const CTL = {
  /** Job generation: bumped once per job; workers wait on it. */
  GEN: 0,
  /** Workers that have not finished the current job. */
  PENDING: 1,
  /** Kernel index (kernel-names.ts). */
  KERNEL: 2,
  /** Memory group the kernel runs in. */
  GROUP: 3,
  /** Threads taking part (the caller is thread 0). */
  NTH: 4,
  /** What to do: RUN a kernel, SYNC (return to the event loop to read a message), EXIT. */
  CMD: 5,
  /** Workers blocked in Atomics.wait on GEN. */
  SLEEPERS: 6,
  /** 1 while the caller is blocked in Atomics.wait on PENDING. */
  CALLER_WAITING: 7,
  /** Set by a worker whose kernel threw. */
  ERROR: 8,
} as const;

export const CMD_RUN = 0;
export const CMD_SYNC = 1;
export const CMD_EXIT = 2;

/** i32 slots before the argument area. */
export const CTL_INTS = 16;
/** Kernel arguments (f64 slots) after the i32 slots. */
export const CTL_ARGS = 24;
export const CTL_BYTES = CTL_INTS * 4 + CTL_ARGS * 8;

/**
 * The layout of the control block: a small SharedArrayBuffer through which the calling thread hands a
 * kernel call to the workers and learns when they are done (Atomics on its i32 slots). Shared by the
 * thread pool and the worker script, which reads the same constants.
 *
 * Each worker has a state slot holding `generation * 4 + state` for the current job: OPEN (its share
 * is free), CLAIMED (the worker runs it), TAKEN (the caller ran it because the worker had not started:
 * a sleeping or descheduled worker never delays a job), or ALL (a SYNC/EXIT job every worker must see).
 */
export const CTL = {
  /** Job generation (28 bits, wrapping): bumped once per job; workers wait on it. */
  GEN: 0,
  /** Shares not finished yet (claimed by a worker and running, or not yet claimed or taken). */
  PENDING: 1,
  /** Kernel index (kernel-names.ts). */
  KERNEL: 2,
  /** Memory group the kernel runs in. */
  GROUP: 3,
  /** Threads taking part (the caller is thread 0). */
  NTH: 4,
  /** For ALL jobs: SYNC (return to the event loop to read a message) or EXIT. */
  CMD: 5,
  /** Workers blocked in Atomics.wait on GEN. */
  SLEEPERS: 6,
  /** 1 while the caller is blocked in Atomics.wait on PENDING. */
  CALLER_WAITING: 7,
  /** Set by a worker whose kernel threw. */
  ERROR: 8,
  /** Shares run by workers so far (a diagnostic: the caller takes the ones no worker claims). */
  WORKER_SHARES: 9,
  /** Jobs published so far. */
  JOBS: 10,
  /** First per-worker state slot (worker with ith = w + 1 uses STATE + w). */
  STATE: 16,
} as const;

export const STATE_OPEN = 0;
export const STATE_CLAIMED = 1;
export const STATE_TAKEN = 2;
export const STATE_ALL = 3;

export const CMD_SYNC = 1;
export const CMD_EXIT = 2;

/** Generations wrap at 2^28 so that `generation * 4 + state` fits an i32. */
export const GEN_MASK = 0x0fffffff;

/** Most workers a pool can have. */
export const MAX_WORKERS = 64;
/** i32 slots before the argument area. */
export const CTL_INTS = CTL.STATE + MAX_WORKERS;
/** Kernel arguments (f64 slots) after the i32 slots. */
export const CTL_ARGS = 24;
export const CTL_BYTES = CTL_INTS * 4 + CTL_ARGS * 8;

/**
 * A pool of workers that run kernel calls together with the calling thread, on shared wasm memories.
 *
 * One job at a time: the caller writes the kernel, memory group, thread count and arguments into the
 * control block, opens every worker's share, bumps the generation (waking sleeping workers) and computes
 * its own share as thread 0. Then it takes over every share no worker has claimed yet (a worker that is
 * asleep or descheduled by the OS costs nothing) and waits, spinning briefly and then blocking where
 * allowed, only for shares that workers are running. No message passing per job: a few atomics.
 */
import { BackendError } from '../backend.js';
import {
  CMD_EXIT,
  CMD_SYNC,
  CTL,
  CTL_ARGS,
  CTL_BYTES,
  CTL_INTS,
  GEN_MASK,
  MAX_WORKERS,
  STATE_ALL,
  STATE_OPEN,
  STATE_TAKEN,
} from './control-block.js';
import { startWorker, type WorkerHandle } from './environment.js';
import { KERNEL_NAMES, type KernelFunction, type KernelName } from './kernel-names.js';
import { WORKER_SOURCE } from './worker-source.js';

/** A worker reported a failure, or stopped answering. */
export class ThreadPoolError extends BackendError {}

export interface ThreadPoolOptions {
  /** Worker threads besides the caller. */
  readonly workers: number;
  /** Microseconds a waiting thread spins before it blocks (default 50). */
  readonly spinMicros?: number;
  /** Whether the calling thread may block in Atomics.wait (not on a browser main thread). */
  readonly callerCanBlock: boolean;
}

/** Milliseconds the caller waits for the workers before it gives up (a worker died). */
const STALL_LIMIT_MS = 120_000;

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly errors: string[] = [];
  private disposed = false;

  private constructor(
    private readonly handles: WorkerHandle[],
    control: SharedArrayBuffer,
    private readonly callerCanBlock: boolean,
    private readonly spinMs: number,
    private readonly kernels: readonly KernelName[],
  ) {
    this.ctl = new Int32Array(control, 0, CTL_INTS);
    this.args = new Float64Array(control, CTL_INTS * 4, CTL_ARGS);
    for (const h of handles) {
      h.onMessage((m) => {
        const msg = m as { type: string; message?: string };
        if (msg.type === 'error') this.errors.push(msg.message ?? 'unknown error');
      });
    }
  }

  /** Starts the workers and instantiates `module` on each of `memories` (group id -> memory) in every worker. */
  static async start(
    module: WebAssembly.Module,
    memories: ReadonlyMap<number, WebAssembly.Memory>,
    options: ThreadPoolOptions,
  ): Promise<ThreadPool> {
    if (options.workers > MAX_WORKERS) throw new ThreadPoolError(`At most ${MAX_WORKERS + 1} threads are supported`);
    const control = new SharedArrayBuffer(CTL_BYTES);
    const spinMicros = options.spinMicros ?? 50;
    const handles = await Promise.all(Array.from({ length: options.workers }, () => startWorker(WORKER_SOURCE)));
    await Promise.all(
      handles.map(
        (h, i) =>
          new Promise<void>((resolve, reject) => {
            h.onMessage((m) => {
              if ((m as { type: string }).type === 'ready') resolve();
            });
            h.onError(reject);
            h.postMessage({
              type: 'init',
              module,
              control,
              kernels: KERNEL_NAMES,
              ith: i + 1,
              spinMicros,
              groups: [...memories.entries()],
            });
          }),
      ),
    );
    for (const h of handles) h.unref();
    return new ThreadPool(handles, control, options.callerCanBlock, spinMicros / 1000, KERNEL_NAMES);
  }

  /** Jobs run so far, and how many shares of them workers (not the caller) ran. */
  get stats(): { jobs: number; workerShares: number } {
    return { jobs: Atomics.load(this.ctl, CTL.JOBS), workerShares: Atomics.load(this.ctl, CTL.WORKER_SHARES) };
  }

  /** Threads in a job: the workers and the caller. */
  get threads(): number {
    return this.handles.length + 1;
  }

  /**
   * Runs `kernel` on all threads: the workers get `(ith, nth, ...args)` through the control block, the
   * caller runs `own` (the same kernel of its own instance) as thread 0 and every share no worker claims.
   * Sleeping workers are woken only when `wake` (waking one costs ~10 us to the caller and longer to the
   * worker: not worth it for short jobs); workers still spinning join in either way.
   */
  run(kernelIndex: number, group: number, args: readonly number[], own: KernelFunction, wake = true): void {
    if (this.disposed) throw new ThreadPoolError('The thread pool was disposed');
    const c = this.ctl;
    const nth = this.threads;
    c[CTL.KERNEL] = kernelIndex;
    c[CTL.GROUP] = group;
    c[CTL.NTH] = nth;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    const base = this.publish(STATE_OPEN, wake);
    Atomics.add(c, CTL.JOBS, 1);
    let failure: unknown;
    try {
      own(0, nth, ...args);
    } catch (e) {
      failure = e;
    }
    // shares no worker has claimed yet: the caller runs them (each share claims its own rows)
    for (let w = 0; w < this.handles.length; w++) {
      if (Atomics.compareExchange(c, CTL.STATE + w, base + STATE_OPEN, base + STATE_TAKEN) !== base + STATE_OPEN)
        continue;
      try {
        if (failure === undefined) own(w + 1, nth, ...args);
      } catch (e) {
        failure = e;
      }
      Atomics.sub(c, CTL.PENDING, 1);
    }
    this.awaitWorkers();
    if (failure !== undefined) throw failure;
    if (Atomics.load(c, CTL.ERROR) !== 0) {
      Atomics.store(c, CTL.ERROR, 0);
      throw new ThreadPoolError(`A worker failed in kernel ${this.kernels[kernelIndex]}: ${this.errors.join('; ')}`);
    }
  }

  /**
   * Makes every worker instantiate the module on a new memory group, synchronously: the message is
   * posted first, then a SYNC job sends each worker back to its event loop, where it reads the message,
   * instantiates, counts itself done and resumes waiting for jobs.
   */
  addGroup(id: number, memory: WebAssembly.Memory): void {
    for (const h of this.handles) h.postMessage({ type: 'group', id, memory });
    this.ctl[CTL.CMD] = CMD_SYNC;
    this.publish(STATE_ALL);
    this.awaitWorkers();
  }

  /** Stops the workers. The pool is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.ctl[CTL.CMD] = CMD_EXIT;
    this.publish(STATE_ALL);
    this.disposed = true;
    for (const h of this.handles) h.terminate();
  }

  /** Starts a job: every worker's state slot set to `state` for the next generation, then the generation. */
  private publish(state: number, wake = true): number {
    const c = this.ctl;
    const gen = (Atomics.load(c, CTL.GEN) + 1) & GEN_MASK;
    const base = gen * 4;
    Atomics.store(c, CTL.PENDING, this.handles.length);
    for (let w = 0; w < this.handles.length; w++) Atomics.store(c, CTL.STATE + w, base + state);
    Atomics.store(c, CTL.GEN, gen);
    if (wake && Atomics.load(c, CTL.SLEEPERS) > 0) Atomics.notify(c, CTL.GEN);
    return base;
  }

  private awaitWorkers(): void {
    const c = this.ctl;
    if (Atomics.load(c, CTL.PENDING) === 0) return;
    const until = performance.now() + this.spinMs;
    do {
      for (let i = 0; i < 256; i++) if (Atomics.load(c, CTL.PENDING) === 0) return;
    } while (performance.now() < until);
    const started = Date.now();
    if (this.callerCanBlock) {
      Atomics.store(c, CTL.CALLER_WAITING, 1);
      try {
        for (let p = Atomics.load(c, CTL.PENDING); p !== 0; p = Atomics.load(c, CTL.PENDING)) {
          Atomics.wait(c, CTL.PENDING, p, 1000);
          if (Date.now() - started > STALL_LIMIT_MS) throw this.stalled();
        }
      } finally {
        Atomics.store(c, CTL.CALLER_WAITING, 0);
      }
      return;
    }
    while (Atomics.load(c, CTL.PENDING) !== 0) {
      if (Date.now() - started > STALL_LIMIT_MS) throw this.stalled();
    }
  }

  private stalled(): ThreadPoolError {
    this.disposed = true;
    for (const h of this.handles) h.terminate();
    return new ThreadPoolError(
      `The wasm worker threads stopped answering for ${STALL_LIMIT_MS / 1000} s (a worker crashed or ran out of memory); create a new backend`,
    );
  }
}

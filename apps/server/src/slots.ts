/**
 * Slots: the sessions (KV caches) requests generate in. A request waits, first come first served, until a slot
 * is free; a waiting request whose client goes away leaves the queue at once.
 */

export class QueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`The server is busy: ${limit} requests are already waiting. Retry later.`);
    this.name = 'QueueFullError';
  }
}

interface Waiter<T> {
  resolve(slot: T): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class SlotPool<T> {
  private readonly free: T[];
  private readonly queue: Waiter<T>[] = [];

  constructor(
    slots: readonly T[],
    private readonly maxQueue: number,
  ) {
    this.free = [...slots];
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves with a slot when one is free (FIFO); rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const slot = this.queue.length === 0 ? this.free.shift() : undefined;
    if (slot !== undefined) return Promise.resolve(slot);
    if (this.queue.length >= this.maxQueue) return Promise.reject(new QueueFullError(this.maxQueue));
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<T> = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
    });
  }

  /** Gives a slot back: the longest-waiting request gets it, else it becomes free. */
  release(slot: T): void {
    const w = this.queue.shift();
    if (!w) {
      // Most recently used last: the next request takes the slot that has been idle longest.
      this.free.push(slot);
      return;
    }
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    w.resolve(slot);
  }

  /** Rejects every waiting request (server shutting down). */
  rejectAll(e: unknown): void {
    for (const w of this.queue.splice(0)) {
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(e);
    }
  }
}

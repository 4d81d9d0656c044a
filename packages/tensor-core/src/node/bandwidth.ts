/**
 * Memory read bandwidth of this machine, measured now: each of `threads` worker threads scans its share of
 * a shared buffer much larger than the caches for a byte that is not there (`Buffer.indexOf`, a memchr: the
 * fastest plain read Node offers). Decoding one token reads every weight once, so bandwidth / weight bytes
 * bounds the decode rate from above; the CLI's `bench` and the repository's peer bench hold their decode
 * figures against it. Node only (`@llamats/tensor-core/node`). The wasm backend has its own probe, through
 * its kernels and threads (`WasmBackend.measureReadBandwidth`).
 */
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort } = require('node:worker_threads');
let view;
parentPort.on('message', (m) => {
  if (m.buffer) { view = Buffer.from(m.buffer, m.offset, m.length); parentPort.postMessage('ready'); return; }
  view.indexOf(0xab);
  parentPort.postMessage('done');
});
`;

const reply = (w: Worker) =>
  new Promise<unknown>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });

export interface BandwidthOptions {
  /** Bytes scanned by all threads together in one pass (default 512 MiB). */
  readonly bytes?: number;
  /** Passes; the fastest counts (default 5). */
  readonly passes?: number;
}

/** Bytes per second read by `threads` threads together: the best of `passes` scans of `bytes`. */
export async function measureBandwidth(threads: number, options: BandwidthOptions = {}): Promise<number> {
  const perThread = Math.floor((options.bytes ?? 512 << 20) / threads / 4096) * 4096;
  const buffer = new SharedArrayBuffer(perThread * threads);
  // Write every page: untouched pages may all map the one zero page, which reads from cache.
  new Uint8Array(buffer).fill(1);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true }));
  try {
    await Promise.all(
      workers.map((w, i) => {
        const ready = reply(w);
        w.postMessage({ buffer, offset: i * perThread, length: perThread });
        return ready;
      }),
    );
    let best = 0;
    for (let pass = 0; pass < (options.passes ?? 5); pass++) {
      const t0 = performance.now();
      await Promise.all(
        workers.map((w) => {
          const done = reply(w);
          w.postMessage('go');
          return done;
        }),
      );
      best = Math.max(best, (perThread * threads) / ((performance.now() - t0) / 1000));
    }
    return best;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

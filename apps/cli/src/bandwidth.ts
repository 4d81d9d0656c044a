/**
 * Memory read bandwidth, measured in this run: each of `threads` workers scans its share of a large shared
 * buffer for a byte that is not there (memchr, the fastest plain read the runtime offers). Decoding one
 * token reads every weight once, so bandwidth / weight bytes bounds the decode rate from above.
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

const message = (w: Worker) =>
  new Promise<unknown>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });

/** Bytes per second read by `threads` threads together (best of `passes`). */
export async function measureBandwidth(
  threads: number,
  options: { bytes?: number; passes?: number } = {},
): Promise<number> {
  const perThread = Math.floor((options.bytes ?? 256 << 20) / threads / 4096) * 4096;
  const buffer = new SharedArrayBuffer(perThread * threads);
  // Touch every page: never-written pages may all map one zero page, which would read from cache.
  new Uint8Array(buffer).fill(1);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true }));
  try {
    await Promise.all(
      workers.map((w, i) => {
        const ready = message(w);
        w.postMessage({ buffer, offset: i * perThread, length: perThread });
        return ready;
      }),
    );
    let best = 0;
    for (let pass = 0; pass < (options.passes ?? 4); pass++) {
      const t0 = performance.now();
      await Promise.all(
        workers.map((w) => {
          const done = message(w);
          w.postMessage('go');
          return done;
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      best = Math.max(best, (perThread * threads) / seconds);
    }
    return best;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

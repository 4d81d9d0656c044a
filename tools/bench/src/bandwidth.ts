/**
 * Memory read bandwidth, measured in the same run as the peers: `threads` workers each scan their share of
 * a buffer much larger than the caches for a byte that is not there (`Buffer.indexOf`, a memchr). Decoding
 * one token reads every weight once, so bandwidth / weight bytes bounds tokens/s from above.
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

/** Bytes per second read by `threads` threads together: the best of `passes` scans of `bytes`. */
export async function measureBandwidth(
  threads: number,
  options: { bytes?: number; passes?: number } = {},
): Promise<number> {
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

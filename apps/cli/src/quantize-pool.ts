/**
 * A pool of worker threads that runs quantization row conversions on every core. Each conversion is split
 * by rows across the workers; small ones run inline, where a thread hop would cost more than it saves.
 */
import { Worker } from 'node:worker_threads';
import { convertRows, type RowConversion, type RowConverter } from '@llamats/model-llama';

/** Below this many values a conversion runs on the calling thread. */
const INLINE_VALUES = 1 << 16;

interface Pending {
  resolve(out: Uint8Array): void;
  reject(e: unknown): void;
}

export class RowConverterPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(readonly threads: number) {
    if (threads < 2) return;
    for (let i = 0; i < threads; i++) {
      const w = new Worker(new URL('./quantize-worker.js', import.meta.url));
      w.on('message', (m: { id: number; out?: Uint8Array; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.out!);
      });
      w.on('error', (e) => {
        this.failure = e;
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(w);
    }
  }

  private runOn(worker: Worker, job: RowConversion): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job }, [job.data.buffer as ArrayBuffer]);
    });
  }

  /** A {@link RowConverter} that splits each conversion across the pool. */
  readonly converter: RowConverter = async (job) => {
    const n = job.rows * job.rowLength;
    if (this.workers.length === 0 || n < INLINE_VALUES) return convertRows(job);
    const parts = Math.min(this.workers.length, job.rows);
    const rowBytes = job.data.byteLength / job.rows;
    const per = Math.ceil(job.rows / parts);
    const results: Promise<Uint8Array>[] = [];
    for (let p = 0, row = 0; row < job.rows; p++, row += per) {
      const rows = Math.min(per, job.rows - row);
      // A copy per part: its buffer is handed over to the worker.
      const data = job.data.slice(row * rowBytes, (row + rows) * rowBytes);
      results.push(this.runOn(this.workers[p], { ...job, rows, data }));
    }
    const outs = await Promise.all(results);
    const out = new Uint8Array(outs.reduce((a, o) => a + o.byteLength, 0));
    let at = 0;
    for (const o of outs) {
      out.set(o, at);
      at += o.byteLength;
    }
    return out;
  };

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

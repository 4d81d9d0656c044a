/** Worker thread of {@link RowConverterPool}: converts the rows it is sent and sends the bytes back. */
import { parentPort } from 'node:worker_threads';
import { convertRows, type RowConversion } from '@llamats/model-llama';

parentPort?.on('message', (m: { id: number; job: RowConversion }) => {
  try {
    const out = convertRows(m.job);
    parentPort?.postMessage({ id: m.id, out }, [out.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
  }
});

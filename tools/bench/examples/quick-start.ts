import { renderBenchTable, runBench } from '@llamats/bench';

/** Benchmarks llamats against node-llama-cpp on a tiny random model (written to `modelsDir` first). */
export async function quickStart(modelsDir: string) {
  const rows = await runBench({
    models: [{ shape: 'tiny', type: 'Q8_0' }],
    peers: ['llamats', 'node-llama-cpp'],
    threads: [1],
    pp: [32],
    tg: 16,
    repetitions: 1,
    llamatsBackend: 'reference',
    modelsDir,
  });
  console.log(renderBenchTable(rows, [32], 16));
  return rows;
}

// Where a forward pass spends its time, op by op, on the wasm backend (after `pnpm build`):
//   node tools/bench/profile-ops.mjs MODEL.gguf [--threads 2] [--prefill 512 | --decode 32] [--reps 3]
// Wraps each backend op with a wall-clock timer (the ops run synchronously on the calling thread and its
// workers), evaluates a prompt of `--prefill` tokens in one batch (or `--decode` single-token steps)
// `--reps` times, and prints the last repetition's time per op kind (matrix products per weight shape) with
// its share of the whole. Each repetition's line also gives the share of the cores the process got and its
// page faults: on the project's VM a repetition can run 30% slower than the one before with both at their
// usual values (the host's memory or CPU is busy), so compare repetitions, not single runs.
// Token ids are arbitrary vocabulary entries: speed does not depend on them.
import { openGgufFile } from '@llamats/gguf-format/node';
import { LlamaModel } from '@llamats/model-llama';
import { createWasmBackend } from '@llamats/tensor-core';

const args = process.argv.slice(2);
const model = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
if (!model) {
  console.error(
    'usage: node tools/bench/profile-ops.mjs MODEL.gguf [--threads 2] [--prefill 512 | --decode 32] [--reps 3]',
  );
  process.exit(2);
}
const threads = option('threads', 2);
const decode = option('decode', 0);
const prefill = decode > 0 ? 0 : option('prefill', 512);
const tokens = decode > 0 ? decode : prefill;
const reps = option('reps', 3);

const backend = await createWasmBackend({ threads });
const times = new Map();
for (const name of ['getRows', 'matmul', 'rmsNorm', 'rope', 'copyRows', 'add', 'swiglu', 'writeKv', 'attention']) {
  const op = backend[name].bind(backend);
  backend[name] = (...opArgs) => {
    const t0 = performance.now();
    const result = op(...opArgs);
    const key = name === 'matmul' ? `matmul [${opArgs[1].shape}]` : name;
    const entry = times.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += performance.now() - t0;
    entry.calls++;
    times.set(key, entry);
    return result;
  };
}
const gguf = await openGgufFile(model);
const llama = await LlamaModel.load(gguf, { backend });
const ctx = llama.createContext({ nCtx: tokens + 16, nBatch: Math.max(prefill, 1) });
const ids = Array.from({ length: tokens }, (_, i) => 1 + ((i * 7919) % (llama.config.vocabSize - 1)));
await ctx.evaluate(ids.slice(0, Math.min(8, tokens)));
for (let rep = 0; rep < reps; rep++) {
  const ru0 = process.resourceUsage();
  const cpu0 = process.cpuUsage();
  times.clear();
  ctx.clear();
  const t0 = performance.now();
  if (decode > 0) for (const id of ids) await ctx.evaluate([id]);
  else await ctx.evaluate(ids);
  const total = performance.now() - t0;
  const ru1 = process.resourceUsage();
  const cpu1 = process.cpuUsage(cpu0);
  // share of `threads` cores the process got (93-96% on the project's VM when nothing else runs)
  const cpuShare = (cpu1.user + cpu1.system) / 1000 / total / threads;
  console.log(
    `repetition ${rep + 1}: ${total.toFixed(0)} ms, ${((tokens / total) * 1000).toFixed(1)} tokens/s, cpu ${(100 * cpuShare).toFixed(0)}% of ${threads}, page faults ${ru1.minorPageFault - ru0.minorPageFault} minor ${ru1.majorPageFault - ru0.majorPageFault} major`,
  );
  if (rep < reps - 1) continue;
  for (const [key, { ms, calls }] of [...times].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(
      `${key.padEnd(28)} ${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  x${calls}`,
    );
  }
}
// which way the decode products stream weights (the tuner measures the variants on the first products)
const tuning = backend.decodeTuning?.();
if (tuning) console.log(`decode streaming: ${JSON.stringify(tuning.chosen ?? 'still measuring')}`);
backend.dispose();
for (const source of gguf.sources ?? []) await source.close?.();

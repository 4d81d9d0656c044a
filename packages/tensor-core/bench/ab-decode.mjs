// A/B of the wasm decode products: a saved build against the current one, alternating in one process.
//
// On a shared machine the speed of one build moves by tens of percent within minutes, so separate runs
// cannot tell a 3% change from noise; alternating rounds of the two builds in one process can.
//   cp -r dist .ab/old          # before the change (any folder inside the package, so imports resolve)
//   ... change assembly/, then: node scripts/build-wasm.mjs && npx tsc -p tsconfig.build.json
//   node bench/ab-decode.mjs .ab/old [--types Q4_K,Q6_K] [--threads 1] [--rounds 15] [--batch 64] [--simd128] [--no-vnni]
// (--simd128: both builds without relaxed SIMD, the kernels of engines that lack it; --no-vnni: the relaxed
// build where the VNNI one would be chosen, as on CPUs without AVX-VNNI)
// For each type: 512 x 4096 weights repeated (in cache) and twelve 4096 x 4096 matrices cycled (from
// memory), one token, the decode streaming variant fixed to the plain one (with --batch N: one 2048 x 4096
// matrix times N tokens, in GFLOP/s, for the batched products); prints each build's median GB/s,
// their ratio, and the largest difference between the two builds' outputs (0 when the change keeps bits).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GgmlType, ggmlTypeInfo } from '@llamats/gguf-format';
import { median } from './timing.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const oldDir = argv[0];
if (!oldDir || oldDir.startsWith('--')) {
  console.error(
    'usage: node bench/ab-decode.mjs OLD_DIST_DIR [--types Q4_K,Q6_K] [--threads 1] [--rounds 15] [--batch 64] [--simd128] [--no-vnni]',
  );
  process.exit(2);
}
const types = option('types', 'Q4_K').split(',');
const threads = Number(option('threads', '1'));
const rounds = Number(option('rounds', '15'));
const batch = Number(option('batch', '1'));
const cols = 4096;
/** [label, rows, matrices, products per round] (--batch N > 1: one 2048 x 4096 matrix times N tokens) */
const setups =
  batch > 1
    ? [[`batch ${batch}`, 2048, 1, 6]]
    : [
        ['cache', 512, 1, 200],
        ['memory', 4096, 12, 3],
      ];
const unit = batch > 1 ? 'GFLOP/s' : 'GB/s';

const builds = {
  old: await import(pathToFileURL(resolve(oldDir, 'index.js')).href),
  new: await import('../dist/index.js'),
};
const { randomValues, randomWeightBytes } = await import('../dist/wasm/random-tensors.js');

/** Per setup: a function running one round (returns GB/s, or GFLOP/s with --batch), and the output of one product. */
async function prepare(lib, type) {
  const info = ggmlTypeInfo(type);
  const backend = await lib.createWasmBackend({
    threads,
    decodeStreaming: { touch: false, pairs: false },
    ...(argv.includes('--simd128') ? { relaxedSimd: false } : {}),
    ...(argv.includes('--no-vnni') ? { vnni: false } : {}),
  });
  const x = backend.createTensor('x', [batch, cols]);
  backend.writeTensor(x, randomValues(batch * cols, 1));
  // readTensor is async: every setup's output is awaited, so the comparison below sees real values
  return Promise.all(
    setups.map(async ([label, rows, count, reps]) => {
      const out = backend.createTensor(`out ${label}`, [batch, rows]);
      const weights = [];
      for (let i = 0; i < count; i++) {
        const w = backend.createWeight({ name: `${label} ${i}`, type, shape: [cols, rows] });
        backend.uploadWeight(w, 0, randomWeightBytes(type, rows, cols, 100 + (i % 2), 0.02));
        weights.push(w);
      }
      // decode: weight bytes streamed; batched: floating-point operations (2 per weight and token)
      const work =
        (batch > 1 ? 2 * rows * cols * batch : (rows * cols * info.bytesPerBlock) / info.blockSize) * count * reps;
      const round = () => {
        const t0 = performance.now();
        for (let r = 0; r < reps; r++) for (const w of weights) backend.matmul(out, w, x, batch);
        return work / ((performance.now() - t0) * 1e6);
      };
      backend.matmul(out, weights[0], x, batch);
      return { label, round, output: await backend.readTensor(out) };
    }),
  );
}

for (const name of types) {
  const type = GgmlType[name];
  if (type === undefined) throw new Error(`Unknown type ${name}`);
  const a = await prepare(builds.old, type);
  const b = await prepare(builds.new, type);
  for (let s = 0; s < setups.length; s++) {
    let maxDiff = 0;
    for (let i = 0; i < a[s].output.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[s].output[i] - b[s].output[i]));
    const ga = [];
    const gb = [];
    for (let i = 0; i < rounds; i++) {
      ga.push(a[s].round());
      gb.push(b[s].round());
    }
    console.log(
      `${name.padEnd(6)} ${threads}T ${a[s].label.padEnd(6)}  old ${median(ga).toFixed(2)}  new ${median(gb).toFixed(2)} ${unit}` +
        `  new/old ${(median(gb) / median(ga)).toFixed(3)}  max |diff| ${maxDiff}`,
    );
  }
}
process.exit(0);

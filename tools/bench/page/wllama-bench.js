// Runs one bench job with wllama in this (cross-origin isolated) page. The harness calls
// `window.runWllamaBench(job)` through playwright and reads back the result object.
// Timing matches the Node peers: pp = a prompt of n tokens from an empty cache; tg = n decodes from a
// two-token prompt, greedy, end-of-generation ignored. wllama takes text prompts only: the prompt of n
// tokens is BOS (added by llama.cpp) and n - 1 words that are single tokens of the vocabulary.
import { Wllama } from '/wllama/esm/index.js';

const WARMUP_PROMPT = 16;
const WARMUP_GEN = 4;
const TG_PROMPT = 2;

const promptOf = (job, n) => job.words.slice(0, n - 1).join(' ');

function status(text) {
  document.getElementById('status').textContent = text;
}

// Byte-fallback tokens are banned (see bannedTokens in src/peers/wllama.ts): text made of random byte
// tokens is invalid UTF-8, which llama.cpp's JSON response encoder rejects.
async function complete(wllama, job, prompt, maxTokens) {
  const res = await wllama.createCompletion({
    prompt,
    logit_bias: Object.fromEntries((job.bannedTokens ?? []).map((id) => [String(id), -100])),
    max_tokens: maxTokens,
    temperature: 0,
    ignore_eos: true,
    cache_prompt: false,
    stream: false,
  });
  return res;
}

async function timed(repetitions, expected, fn) {
  const out = [];
  for (let r = 0; r < repetitions; r++) {
    const t0 = performance.now();
    const { tokens, peer } = await fn();
    const ms = performance.now() - t0;
    out.push({ tps: (expected * 1000) / ms, tokens, ms, peerTps: peer });
  }
  return out;
}

window.runWllamaBench = async (job) => {
  status('fetching');
  const t0 = performance.now();
  const blob = await (await fetch(job.modelUrl)).blob();
  // Native logs stay on: llama.cpp's own error text (a rejected request) reaches the harness through them.
  const wllama = new Wllama({ default: '/wllama/esm/wasm/wllama.wasm' }, { suppressNativeLog: false });
  const nCtx = Math.max(...job.pp, job.tg + 1, WARMUP_PROMPT + WARMUP_GEN) + 8;
  await wllama.loadModel([blob], {
    n_ctx: nCtx,
    n_batch: 512,
    n_ubatch: 512,
    n_threads: job.threads,
    n_gpu_layers: 0,
    n_parallel: 1,
  });
  const loadMs = performance.now() - t0;
  try {
    status('warm-up');
    // wllama returns a completion whole: the first token is timed as a completion of one token
    await complete(wllama, job, promptOf(job, WARMUP_PROMPT), 1);
    const firstTokenMs = performance.now() - t0;
    await complete(wllama, job, promptOf(job, WARMUP_PROMPT), WARMUP_GEN);
    // A failing test is reported and the others still run.
    const errors = [];
    const attempt = async (name, fn) => {
      status(name);
      try {
        return await fn();
      } catch (e) {
        errors.push(`${name}: ${e?.message ?? e}`);
        return [];
      }
    };
    const pp = {};
    for (const n of job.pp) {
      pp[n] = await attempt(`pp${n}`, () =>
        timed(job.repetitions, n, async () => {
          const res = await complete(wllama, job, promptOf(job, n), 1);
          return {
            tokens: res.timings?.prompt_n ?? res.usage?.prompt_tokens ?? -1,
            peer: res.timings?.prompt_per_second,
          };
        }),
      );
    }
    let tg = [];
    if (job.tg > 0) {
      tg = await attempt(`tg${job.tg}`, () =>
        timed(job.repetitions, job.tg, async () => {
          const res = await complete(wllama, job, promptOf(job, TG_PROMPT), job.tg);
          return {
            tokens: res.timings?.predicted_n ?? res.usage?.completion_tokens ?? -1,
            peer: res.timings?.predicted_per_second,
          };
        }),
      );
    }
    status('done');
    return {
      loadMs,
      firstTokenMs,
      pp,
      tg,
      errors,
      notes: {
        multithread: wllama.isMultithread(),
        threads: wllama.getNumThreads(),
        crossOriginIsolated: self.crossOriginIsolated,
        userAgent: navigator.userAgent,
      },
    };
  } finally {
    await wllama.exit();
  }
};
window.wllamaBenchReady = true;

/**
 * The one place where whole-model numerics are compared with llama.cpp's goldens
 * (../shared/fixtures/golden, tolerances from ../shared/README.md). Each backend's test file calls
 * {@link describeGoldenSuite} with its own factory, so every backend is held to the same checks.
 */
import { openGgufFile } from '@llamats/gguf-format/node';
import type { Backend } from '@llamats/tensor-core';
import { fixturePath, hasFixture, type ModelGolden, readF32, readModelGolden, relRms } from '@llamats/test-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaModel } from '../src/index.js';

/** Allowed rel-RMS of logits, by the model's weight type (../shared/README.md). */
export function logitTolerance(model: string): number {
  if (/-F32\b/.test(model)) return 1e-3;
  if (/-(F16|BF16)\b/.test(model)) return 5e-3;
  return 2e-2;
}

export function pplTolerance(model: string): number {
  return /-(F32|F16|BF16)\b/.test(model) ? 1e-3 : 1e-2;
}

const MARGIN = 0.3;

function argmax(a: Float32Array, off: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[off + i] > a[off + best]) best = i;
  return best;
}

export interface GoldenSuiteOptions {
  /** Models (file names in fixtures/models) to check. */
  models: string[];
  /** Prompts to check (default all in the golden). */
  prompts?: string[];
  /** Check greedy continuations. */
  greedy?: boolean;
}

export function describeGoldenSuite(
  backendName: string,
  createBackend: () => Promise<Backend>,
  options: GoldenSuiteOptions,
): void {
  for (const file of options.models) {
    const path = fixturePath(`models/${file}`);
    describe.skipIf(!path || !hasFixture(`golden/${file.replace('.gguf', '.json')}`))(`${backendName}: ${file}`, () => {
      let model: LlamaModel;
      let backend: Backend;
      let golden: ModelGolden;
      beforeAll(async () => {
        backend = await createBackend();
        golden = readModelGolden(file);
        const gguf = await openGgufFile(path!);
        model = await LlamaModel.load(gguf, { backend });
      });
      afterAll(async () => {
        model?.dispose();
        await model?.gguf.source.close?.();
        backend?.dispose();
      });
      const tol = logitTolerance(file);
      const promptNames = options.prompts ?? ['short', 'mixed', 'chat', 'long', 'story'];
      for (const name of promptNames) {
        it(`prompt "${name}": logits, top-1${options.greedy === false ? '' : ', greedy'}`, async () => {
          const g = golden.prompts[name];
          if (!g) return; // not every model has every prompt
          const nVocab = model.config.vocabSize;
          const ctx = model.createContext({ nCtx: 1024, nBatch: 64 });
          try {
            const logits = await ctx.evaluate(g.tokens, { allLogits: true });
            // 1. full logits where llama.cpp's and exact files exist, else the 32 top logits at every position
            const full = g.full_logits as string | undefined;
            if (full && hasFixture(`golden/${full}`)) {
              const ref = readF32(`golden/${full}`);
              const exact = readF32(`golden/${g.exact_logits as string}`);
              expect(ref.length).toBe(logits.length);
              expect(relRms(logits, ref)).toBeLessThanOrEqual(tol);
              expect(relRms(logits, exact)).toBeLessThanOrEqual(tol);
            }
            const ours: number[] = [];
            const theirs: number[] = [];
            g.positions.forEach((p, i) => {
              for (const [id, v] of p.top) {
                ours.push(logits[i * nVocab + id]);
                theirs.push(v);
              }
              // 2. top-1 identical where the reference margin is clear
              if (p.top[0][1] - p.top[1][1] >= MARGIN) {
                expect(argmax(logits, i * nVocab, nVocab), `top-1 at position ${i}`).toBe(p.top[0][0]);
              }
            });
            expect(relRms(ours, theirs)).toBeLessThanOrEqual(tol);
            // 3. greedy continuation identical up to the first low-margin step
            if (options.greedy !== false && g.greedy && g.greedy_margin) {
              let last = logits.subarray((g.tokens.length - 1) * nVocab, g.tokens.length * nVocab);
              // greedy_margin[step] is llama.cpp's top-1 minus top-2 when choosing greedy[step]: a low-margin
              // step may legitimately differ, and everything after it then diverges.
              for (let step = 0; step < g.greedy.length && g.greedy_margin[step] >= MARGIN; step++) {
                const tok = argmax(last, 0, nVocab);
                expect(tok, `greedy step ${step}`).toBe(g.greedy[step]);
                last = await ctx.evaluate([tok]);
              }
            }
          } finally {
            ctx.dispose();
          }
        });
      }
    });
  }
}

import type { Candidates } from '../candidates.js';

/**
 * One step of the sampler chain (llama.cpp's `llama_sampler_i`): it narrows or reweights the candidates;
 * `accept` sees every token that is appended to the output, `reset` forgets that history.
 */
export interface Stage {
  readonly name: string;
  apply(c: Candidates): void;
  accept?(token: number): void;
  reset?(): void;
}

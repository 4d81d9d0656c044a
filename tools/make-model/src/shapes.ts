/**
 * LLaMA model shapes: the dimensions that decide a model's speed. The named ones mirror real models
 * (TinyLlama 1.1B, LLaMA 7B); `tiny` is for tests.
 */

export interface LlamaShape {
  /** Name used in file names (`tinyllama-shape-Q4_K_M.gguf`). */
  readonly name: string;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly nFf: number;
  /** Training context length written to `llama.context_length`. */
  readonly nCtx: number;
  readonly rmsEps: number;
  readonly ropeFreqBase: number;
}

const base = { rmsEps: 1e-5, ropeFreqBase: 10000 } as const;

/** The named shapes (vocabulary size comes from the vocabulary file: 32000 for the LLaMA one). */
export const namedShapes: Readonly<Record<string, LlamaShape>> = {
  // Small enough for unit tests, yet rows of 256 so that K-quants apply as they do on real models.
  tiny: { name: 'tiny', nEmbd: 256, nLayer: 2, nHead: 8, nHeadKv: 4, nFf: 512, nCtx: 2048, ...base },
  'tinyllama-shape': {
    name: 'tinyllama-shape',
    nEmbd: 2048,
    nLayer: 22,
    nHead: 32,
    nHeadKv: 4,
    nFf: 5632,
    nCtx: 2048,
    ...base,
  },
  'llama7b-shape': {
    name: 'llama7b-shape',
    nEmbd: 4096,
    nLayer: 32,
    nHead: 32,
    nHeadKv: 32,
    nFf: 11008,
    nCtx: 4096,
    ...base,
  },
};

/** Thrown for an unknown shape name or dimensions llama.cpp would reject. */
export class ShapeError extends Error {
  constructor(
    message: string,
    readonly shape?: string,
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** Looks up a named shape; the message lists the names when it is unknown. */
export function namedShape(name: string): LlamaShape {
  const shape = namedShapes[name];
  if (!shape) {
    throw new ShapeError(`Unknown shape "${name}"; choose one of ${Object.keys(namedShapes).join(', ')}`, name);
  }
  return shape;
}

/** A shape with some dimensions replaced; the name says which when none is given. */
export function customShape(from: LlamaShape, dims: Partial<LlamaShape>): LlamaShape {
  const changed = (Object.keys(dims) as (keyof LlamaShape)[]).filter(
    (k) => k !== 'name' && dims[k] !== undefined && dims[k] !== from[k],
  );
  const suffix = changed.map((k) => `${SHORT[k]}${dims[k]}`).join('-');
  const shape: LlamaShape = {
    ...from,
    ...Object.fromEntries(Object.entries(dims).filter(([, v]) => v !== undefined)),
    name: dims.name ?? (suffix ? `${from.name}-${suffix}` : from.name),
  };
  checkShape(shape);
  return shape;
}

const SHORT: Record<keyof LlamaShape, string> = {
  name: '',
  nEmbd: 'e',
  nLayer: 'l',
  nHead: 'h',
  nHeadKv: 'kv',
  nFf: 'ff',
  nCtx: 'c',
  rmsEps: 'eps',
  ropeFreqBase: 'rope',
};

/** Head size: LLaMA splits the embedding evenly between the query heads. */
export const headDim = (s: LlamaShape) => s.nEmbd / s.nHead;

/** Checks what llama.cpp needs: whole heads, grouped-query heads that divide the query heads, even head size. */
export function checkShape(s: LlamaShape): void {
  const positive = ['nEmbd', 'nLayer', 'nHead', 'nHeadKv', 'nFf', 'nCtx'] as const;
  for (const k of positive) {
    if (!Number.isSafeInteger(s[k]) || s[k] < 1) throw new ShapeError(`${k} must be a positive integer, got ${s[k]}`);
  }
  if (s.nEmbd % s.nHead !== 0) {
    throw new ShapeError(`n_embd ${s.nEmbd} is not a multiple of the ${s.nHead} heads`, s.name);
  }
  if (s.nHead % s.nHeadKv !== 0) {
    throw new ShapeError(`${s.nHead} query heads cannot be grouped over ${s.nHeadKv} KV heads`, s.name);
  }
  if (headDim(s) % 2 !== 0) throw new ShapeError(`head size ${headDim(s)} must be even for RoPE`, s.name);
  // Every quantized type has blocks of at least 32 values along a row.
  if (s.nEmbd % 32 !== 0 || s.nFf % 32 !== 0) {
    throw new ShapeError(`n_embd (${s.nEmbd}) and n_ff (${s.nFf}) must be multiples of 32`, s.name);
  }
}

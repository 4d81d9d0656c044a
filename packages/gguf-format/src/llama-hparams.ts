/**
 * The hyper-parameters llama.cpp reads for LLaMA-family models (`llama`, and the same keys under other
 * architecture names), with the defaults llama.cpp applies when a key is absent.
 */
import { getNumber, getNumberArray, getString, requireNumber } from './accessors.js';
import { GgufKeyError } from './errors.js';
import type { GgufFile } from './reader.js';

export type RopeScalingType = 'none' | 'linear' | 'yarn' | 'longrope';

export interface LlamaHparams {
  readonly architecture: string;
  readonly name: string | undefined;
  /** Context length the model was trained with. */
  readonly contextLength: number;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly feedForwardLength: number;
  readonly headCount: number;
  readonly headCountKv: number;
  /** Key/query head size (n_embd / n_head unless the file says otherwise). */
  readonly headDim: number;
  readonly valueHeadDim: number;
  readonly rmsEps: number;
  readonly ropeDimensionCount: number;
  readonly ropeFreqBase: number;
  readonly ropeScalingType: RopeScalingType;
  /** Multiplier of the context (1 = no scaling); llama.cpp uses freq_scale = 1 / factor. */
  readonly ropeScalingFactor: number;
  readonly ropeScalingOrigContext: number;
  readonly vocabSize: number;
  /** Sliding-window size (Mistral) or 0. */
  readonly slidingWindow: number;
}

function perLayerFirst(v: ArrayLike<number> | undefined): number | undefined {
  return v && v.length > 0 ? v[0] : undefined;
}

/** Reads the LLaMA hyper-parameters of a parsed GGUF file. */
export function readLlamaHparams(gguf: GgufFile): LlamaHparams {
  const arch = getString(gguf, 'general.architecture');
  if (!arch) {
    throw new GgufKeyError('general.architecture', 'The GGUF file names no architecture (general.architecture)');
  }
  const k = (s: string) => `${arch}.${s}`;
  const num = (key: string) => {
    // Some files store per-layer arrays (e.g. head_count_kv); all layers are equal for llama.
    const v = gguf.get(key);
    if (typeof v === 'object' && v !== null) return perLayerFirst(getNumberArray(gguf, key));
    return getNumber(gguf, key);
  };
  const embeddingLength = requireNumber(gguf, k('embedding_length'));
  const headCount = num(k('attention.head_count')) ?? requireNumber(gguf, k('attention.head_count'));
  const headCountKv = num(k('attention.head_count_kv')) ?? headCount;
  const headDim = num(k('attention.key_length')) ?? embeddingLength / headCount;
  const scalingName = getString(gguf, k('rope.scaling.type'));
  let ropeScalingType: RopeScalingType = 'none';
  let ropeScalingFactor = getNumber(gguf, k('rope.scaling.factor')) ?? 0;
  if (scalingName !== undefined) {
    if (!['none', 'linear', 'yarn', 'longrope'].includes(scalingName)) {
      throw new GgufKeyError(k('rope.scaling.type'), `Unknown rope scaling type "${scalingName}"`);
    }
    ropeScalingType = scalingName as RopeScalingType;
  } else {
    const linear = getNumber(gguf, k('rope.scale_linear'));
    if (linear !== undefined) {
      ropeScalingType = 'linear';
      ropeScalingFactor = linear;
    }
  }
  if (ropeScalingType === 'none' || !(ropeScalingFactor > 0)) ropeScalingFactor = 1;
  const vocab = gguf.get('tokenizer.ggml.tokens');
  const vocabSize =
    getNumber(gguf, k('vocab_size')) ??
    (typeof vocab === 'object' && vocab !== null && 'values' in vocab ? vocab.values.length : 0);
  const contextLength = requireNumber(gguf, k('context_length'));
  return {
    architecture: arch,
    name: getString(gguf, 'general.name'),
    contextLength,
    embeddingLength,
    blockCount: requireNumber(gguf, k('block_count')),
    feedForwardLength: num(k('feed_forward_length')) ?? requireNumber(gguf, k('feed_forward_length')),
    headCount,
    headCountKv,
    headDim,
    valueHeadDim: num(k('attention.value_length')) ?? headDim,
    rmsEps: getNumber(gguf, k('attention.layer_norm_rms_epsilon')) ?? 1e-5,
    ropeDimensionCount: getNumber(gguf, k('rope.dimension_count')) ?? headDim,
    ropeFreqBase: getNumber(gguf, k('rope.freq_base')) ?? 10000,
    ropeScalingType,
    ropeScalingFactor,
    ropeScalingOrigContext: getNumber(gguf, k('rope.scaling.original_context_length')) ?? contextLength,
    vocabSize,
    slidingWindow: getNumber(gguf, k('attention.sliding_window')) ?? 0,
  };
}

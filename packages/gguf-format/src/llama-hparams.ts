/**
 * The hyper-parameters llama.cpp reads for LLaMA-family models (`llama`, and the same keys under other
 * architecture names), with the defaults and checks llama.cpp applies (`llama_model::load_hparams` in
 * src/llama-model.cpp): context length, embedding length and block count are required, head_count_kv
 * defaults to head_count, head sizes to n_embd / n_head, rope.dimension_count to the key head size,
 * rope.freq_base to 10000, rope scaling type to "linear" with factor `rope.scaling.factor` (or the old
 * `rope.scale_linear`; 0 or absent means none), and the RMS epsilon is required for `llama`.
 */
import { getNumber, getNumberArray, getString, requireNumber } from './accessors.js';
import { GgufKeyError } from './errors.js';
import type { GgufFile } from './gguf-file.js';
import { isGgufArray } from './metadata.js';

export type RopeScalingType = 'none' | 'linear' | 'yarn' | 'longrope';
const ROPE_SCALING_TYPES: readonly RopeScalingType[] = ['none', 'linear', 'yarn', 'longrope'];

export interface LlamaHparams {
  readonly architecture: string;
  readonly name: string | undefined;
  /** Context length the model was trained with (n_ctx_train). */
  readonly contextLength: number;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly feedForwardLength: number;
  readonly headCount: number;
  readonly headCountKv: number;
  /** Key/query head size (n_embd_head_k: `attention.key_length`, else n_embd / n_head). */
  readonly headDim: number;
  /** Value head size (n_embd_head_v: `attention.value_length`, else n_embd / n_head). */
  readonly valueHeadDim: number;
  readonly rmsEps: number;
  /** Dimensions rotated by RoPE (n_rot); equals headDim for `llama`. */
  readonly ropeDimensionCount: number;
  readonly ropeFreqBase: number;
  /** llama.cpp's default is "linear" (with factor 1 that scales nothing). */
  readonly ropeScalingType: RopeScalingType;
  /** Multiplier of the context (1 = no scaling); llama.cpp's freq_scale is 1 / factor. */
  readonly ropeScalingFactor: number;
  /** 1 / ropeScalingFactor, llama.cpp's rope_freq_scale_train. */
  readonly ropeFreqScale: number;
  readonly ropeScalingOrigContext: number;
  readonly vocabSize: number;
  /** Sliding-window size (Mistral) or 0. */
  readonly slidingWindow: number;
  /** Mixture-of-experts: experts per layer (0 for a dense model) and experts used per token. */
  readonly expertCount: number;
  readonly expertUsedCount: number;
}

/** Reads the LLaMA hyper-parameters of a parsed GGUF file; throws {@link GgufKeyError} naming a missing or bad key. */
export function readLlamaHparams(gguf: GgufFile): LlamaHparams {
  const arch = getString(gguf, 'general.architecture');
  if (!arch) {
    throw new GgufKeyError('general.architecture', 'The GGUF file names no architecture (general.architecture)');
  }
  const k = (s: string) => `${arch}.${s}`;
  const contextLength = requireNumber(gguf, k('context_length'));
  const embeddingLength = requireNumber(gguf, k('embedding_length'));
  const blockCount = requireNumber(gguf, k('block_count'));
  const perLayer = (key: string) => perLayerValue(gguf, key, blockCount);

  const headCount = perLayer(k('attention.head_count'));
  if (headCount === undefined || headCount <= 0) {
    throw new GgufKeyError(k('attention.head_count'), `Required metadata "${k('attention.head_count')}" is missing`);
  }
  const headCountKv = perLayer(k('attention.head_count_kv')) ?? headCount;
  const feedForwardLength = perLayer(k('feed_forward_length'));
  if (feedForwardLength === undefined) {
    throw new GgufKeyError(k('feed_forward_length'), `Required metadata "${k('feed_forward_length')}" is missing`);
  }
  const headDim = getNumber(gguf, k('attention.key_length')) ?? Math.floor(embeddingLength / headCount);
  const valueHeadDim = getNumber(gguf, k('attention.value_length')) ?? Math.floor(embeddingLength / headCount);
  const ropeDimensionCount = getNumber(gguf, k('rope.dimension_count')) ?? headDim;
  if (arch === 'llama' && ropeDimensionCount !== headDim) {
    throw new GgufKeyError(
      k('rope.dimension_count'),
      `Invalid ${k('rope.dimension_count')} ${ropeDimensionCount}: a llama model rotates the whole head (${headDim})`,
    );
  }

  const rmsEps = getNumber(gguf, k('attention.layer_norm_rms_epsilon'));
  if (rmsEps === undefined) {
    throw new GgufKeyError(
      k('attention.layer_norm_rms_epsilon'),
      `Required metadata "${k('attention.layer_norm_rms_epsilon')}" is missing (llama.cpp requires it too)`,
    );
  }

  const scalingName = getString(gguf, k('rope.scaling.type')) ?? 'linear';
  if (!ROPE_SCALING_TYPES.includes(scalingName as RopeScalingType)) {
    throw new GgufKeyError(
      k('rope.scaling.type'),
      `Unknown rope scaling type "${scalingName}" (known: ${ROPE_SCALING_TYPES.join(', ')})`,
    );
  }
  const ropeScalingType = scalingName as RopeScalingType;
  const factor = getNumber(gguf, k('rope.scaling.factor')) ?? getNumber(gguf, k('rope.scale_linear')) ?? 0;
  // llama.cpp: factor 0 (or absent) means no scaling; type "none" never scales whatever the factor.
  const ropeScalingFactor = ropeScalingType === 'none' || factor === 0 ? 1 : factor;
  if (!(ropeScalingFactor > 0)) {
    throw new GgufKeyError(k('rope.scaling.factor'), `Invalid rope scaling factor ${factor}`);
  }

  const vocab = gguf.get('tokenizer.ggml.tokens');
  const vocabSize = getNumber(gguf, k('vocab_size')) ?? (isGgufArray(vocab) ? vocab.values.length : 0);
  return {
    architecture: arch,
    name: getString(gguf, 'general.name'),
    contextLength,
    embeddingLength,
    blockCount,
    feedForwardLength,
    headCount,
    headCountKv,
    headDim,
    valueHeadDim,
    rmsEps,
    ropeDimensionCount,
    ropeFreqBase: getNumber(gguf, k('rope.freq_base')) ?? 10000,
    ropeScalingType,
    ropeScalingFactor,
    ropeFreqScale: 1 / ropeScalingFactor,
    ropeScalingOrigContext: getNumber(gguf, k('rope.scaling.original_context_length')) ?? contextLength,
    vocabSize,
    slidingWindow: getNumber(gguf, k('attention.sliding_window')) ?? 0,
    expertCount: getNumber(gguf, k('expert_count')) ?? 0,
    expertUsedCount: getNumber(gguf, k('expert_used_count')) ?? 0,
  };
}

/**
 * A key that llama.cpp reads "per layer" (a number, or an array of one value per layer). LLaMA layers are
 * uniform, so an array must hold one value per layer, all equal.
 */
function perLayerValue(gguf: GgufFile, key: string, blockCount: number): number | undefined {
  const v = gguf.get(key);
  if (!isGgufArray(v)) return getNumber(gguf, key);
  const values = getNumberArray(gguf, key)!;
  if (values.length !== blockCount) {
    throw new GgufKeyError(key, `Metadata "${key}" has ${values.length} per-layer values for ${blockCount} layers`);
  }
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== values[0]) {
      throw new GgufKeyError(
        key,
        `Metadata "${key}" differs between layers (${values[0]} and ${values[i]}); LLaMA models have uniform layers`,
      );
    }
  }
  return values.length > 0 ? values[0] : undefined;
}

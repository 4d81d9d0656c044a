/**
 * The model's blueprint: hyper-parameters read from GGUF metadata (with llama.cpp's defaults), checked
 * for what this implementation supports before any weight is read.
 */
import { type GgufFile, type LlamaHparams, readLlamaHparams } from '@llamats/gguf-format';
import type { RopeMode } from '@llamats/tensor-core';
import { UnsupportedModelError } from './errors.js';

/** Architectures that share the LLaMA graph (pre-norm, RoPE, SwiGLU, GQA) and its tensor names. */
const LLAMA_ARCHITECTURES = new Set(['llama']);

export interface LlamaConfig extends LlamaHparams {
  /** n_head * head_dim. */
  readonly qDim: number;
  /** n_head_kv * head_dim. */
  readonly kvDim: number;
  readonly ropeMode: RopeMode;
  /** 1 / rope scaling factor (linear scaling). */
  readonly ropeFreqScale: number;
}

export function readLlamaConfig(gguf: GgufFile): LlamaConfig {
  const arch = gguf.get('general.architecture');
  if (typeof arch !== 'string' || !LLAMA_ARCHITECTURES.has(arch)) {
    throw new UnsupportedModelError(
      `Architecture "${String(arch)}" is not supported: llamats runs LLaMA-family models (general.architecture = "llama").`,
    );
  }
  const hp = readLlamaHparams(gguf);
  if (hp.ropeScalingType === 'yarn' || hp.ropeScalingType === 'longrope') {
    throw new UnsupportedModelError(`Rope scaling type "${hp.ropeScalingType}" is not supported yet (linear is).`);
  }
  if (hp.headCount % hp.headCountKv !== 0) {
    throw new UnsupportedModelError(
      `head_count ${hp.headCount} is not a multiple of head_count_kv ${hp.headCountKv}: not a valid grouped-query layout`,
    );
  }
  if (hp.valueHeadDim !== hp.headDim) {
    throw new UnsupportedModelError(
      `Different key (${hp.headDim}) and value (${hp.valueHeadDim}) head sizes are not supported`,
    );
  }
  if (hp.ropeDimensionCount % 2 !== 0 || hp.ropeDimensionCount > hp.headDim) {
    throw new UnsupportedModelError(
      `rope.dimension_count ${hp.ropeDimensionCount} is invalid for head size ${hp.headDim}`,
    );
  }
  return {
    ...hp,
    qDim: hp.headCount * hp.headDim,
    kvDim: hp.headCountKv * hp.headDim,
    // GGUF `llama` models have Q/K permuted at conversion, so adjacent-pair ("normal") RoPE applies.
    ropeMode: 'normal',
    ropeFreqScale: 1 / hp.ropeScalingFactor,
  };
}

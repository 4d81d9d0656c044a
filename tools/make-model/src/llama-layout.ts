/**
 * What a LLaMA GGUF file holds for a shape: its tensors (names and ggml shapes as llama.cpp's converter
 * writes them) and the metadata keys llama.cpp's loader reads.
 */
import { GgmlType, type GgufKV, GgufValueType } from '@llamats/gguf-format';
import { headDim, type LlamaShape } from './shapes.js';

export interface TensorPlan {
  readonly name: string;
  /** ggml order: `shape[0]` is the row length. */
  readonly shape: readonly number[];
  /** Norm weights are vectors of ones in a trained model's neighbourhood; matrices are random. */
  readonly kind: 'norm' | 'matrix';
}

/** Every tensor of a LLaMA model with untied output, in llama.cpp's file order (by layer, then name). */
export function llamaTensors(s: LlamaShape, nVocab: number): TensorPlan[] {
  const nKv = s.nHeadKv * headDim(s);
  const m = (name: string, cols: number, rows: number): TensorPlan => ({ name, shape: [cols, rows], kind: 'matrix' });
  const norm = (name: string): TensorPlan => ({ name, shape: [s.nEmbd], kind: 'norm' });
  const out: TensorPlan[] = [m('output.weight', s.nEmbd, nVocab), norm('output_norm.weight')];
  out.push(m('token_embd.weight', s.nEmbd, nVocab));
  for (let i = 0; i < s.nLayer; i++) {
    const p = `blk.${i}.`;
    // Sorted by name within the layer, as llama-quantize writes them.
    out.push(
      m(`${p}attn_k.weight`, s.nEmbd, nKv),
      norm(`${p}attn_norm.weight`),
      m(`${p}attn_output.weight`, s.nEmbd, s.nEmbd),
      m(`${p}attn_q.weight`, s.nEmbd, s.nEmbd),
      m(`${p}attn_v.weight`, s.nEmbd, nKv),
      m(`${p}ffn_down.weight`, s.nFf, s.nEmbd),
      m(`${p}ffn_gate.weight`, s.nEmbd, s.nFf),
      norm(`${p}ffn_norm.weight`),
      m(`${p}ffn_up.weight`, s.nEmbd, s.nFf),
    );
  }
  return out;
}

const u32 = (key: string, value: number): GgufKV => ({ key, type: GgufValueType.UINT32, value });
const f32 = (key: string, value: number): GgufKV => ({ key, type: GgufValueType.FLOAT32, value });
const str = (key: string, value: string): GgufKV => ({ key, type: GgufValueType.STRING, value });

/**
 * The model's metadata before quantization (`general.file_type` and `general.quantization_version` are
 * added by the quantization step): architecture, name, the tokenizer keys, then the `llama.*` hyperparameters.
 */
export function llamaMetadata(s: LlamaShape, tokenizerKv: readonly GgufKV[], nVocab: number): GgufKV[] {
  return [
    str('general.architecture', 'llama'),
    str('general.name', `${s.name} (random weights)`),
    ...tokenizerKv,
    u32('llama.context_length', s.nCtx),
    u32('llama.embedding_length', s.nEmbd),
    u32('llama.block_count', s.nLayer),
    u32('llama.feed_forward_length', s.nFf),
    u32('llama.attention.head_count', s.nHead),
    u32('llama.attention.head_count_kv', s.nHeadKv),
    u32('llama.rope.dimension_count', headDim(s)),
    f32('llama.attention.layer_norm_rms_epsilon', s.rmsEps),
    f32('llama.rope.freq_base', s.ropeFreqBase),
    u32('llama.vocab_size', nVocab),
    u32('general.file_type', 0), // all F32 until quantized
  ];
}

/** The unquantized type of every tensor: F32, as in a converter's `--outtype f32` output. */
export const SOURCE_TYPE = GgmlType.F32;

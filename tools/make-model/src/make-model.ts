/**
 * `makeModel`: writes a random-weight LLaMA GGUF file of a given shape and llama.cpp file type (Q4_K_M,
 * Q8_0...), with a real vocabulary, streaming tensor by tensor. The per-tensor types are llama-quantize's
 * mix (model-llama's `chooseTensorTypes`, the recipe `llamats quantize` follows), the quantized blocks come
 * from tensor-core's reference quantizers, and the metadata is what llama.cpp's loader reads.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type GgmlType,
  type GgufFile,
  type GgufTensorSpec,
  ggmlTypeInfo,
  layoutGguf,
  parseGguf,
} from '@llamats/gguf-format';
import { writeGgufFile } from '@llamats/gguf-format/node';
import { chooseTensorTypes, type LlamaFileType, llamaFileType, quantizedMetadata } from '@llamats/model-llama';
import { BlockPool } from './block-pool.js';
import { llamaMetadata, llamaTensors, SOURCE_TYPE, type TensorPlan } from './llama-layout.js';
import { hashString } from './random.js';
import { checkShape, type LlamaShape, namedShape } from './shapes.js';
import { exactBytes, normBytes, pooledBytes, type TensorSource } from './tensor-data.js';
import { findRepoRoot, readVocabulary } from './vocab.js';

export interface MakeModelOptions {
  /** A named shape (`'tinyllama-shape'`) or explicit dimensions. */
  shape: string | LlamaShape;
  /** llama.cpp file type name: `Q4_K_M`, `Q8_0`, `Q4_0`, `F16`... */
  type: string;
  /** Output folder (default `tools/bench/.models` in the repository). */
  outDir?: string;
  /** File name (default `<shape>-<TYPE>.gguf`, with `-seedN` / `-exact` when those differ from the defaults). */
  fileName?: string;
  /** A GGUF file whose `tokenizer.ggml.*` keys are copied (default: the LLaMA SentencePiece vocabulary). */
  vocab?: string;
  /** Generator seed (default 1). */
  seed?: number;
  /** Standard deviation of the weights (default 0.02: activations stay finite through many layers). */
  std?: number;
  /** Quantize every value afresh instead of reusing a pool of quantized blocks (slow; see `block-pool.ts`). */
  exact?: boolean;
  /** Write even when a file of the right size is already there. */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { bytesWritten: number; totalBytes: number; tensor?: string }) => void;
}

export interface MadeModel {
  readonly path: string;
  readonly bytes: number;
  /** True when an existing file of the right size was kept. */
  readonly reused: boolean;
  readonly shape: LlamaShape;
  readonly fileType: LlamaFileType;
  readonly nVocab: number;
  readonly params: number;
  /** Tensor count per ggml type name, e.g. `{ Q4_K: 133, Q6_K: 24, F32: 45 }`. */
  readonly tensorTypes: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Default output folder: `tools/bench/.models` (gitignored). */
export function defaultModelsDir(): string {
  const root = findRepoRoot();
  return root ? join(root, 'tools', 'bench', '.models') : join(process.cwd(), '.models');
}

/** The default file name of a model. */
export function modelFileName(shape: LlamaShape, fileType: LlamaFileType, seed = 1, exact = false): string {
  return `${shape.name}-${fileType.name}${seed !== 1 ? `-seed${seed}` : ''}${exact ? '-exact' : ''}.gguf`;
}

/** Parses the header of an F32 model of this layout (no tensor data is read): the input of the type mix. */
async function sourceModel(plans: readonly TensorPlan[], kv: ReturnType<typeof llamaMetadata>): Promise<GgufFile> {
  const layout = layoutGguf({
    kv,
    tensors: plans.map((p) => ({ name: p.name, shape: p.shape, type: SOURCE_TYPE, data: new Uint8Array(0) })),
  });
  const header = layout.header;
  // Reads past the header (tensor data) are never made by the type mix; they would get zeros.
  const bytes = {
    size: layout.totalSize,
    name: 'generated-f32',
    async read(offset: number, length: number) {
      const out = new Uint8Array(length);
      if (offset < header.byteLength) out.set(header.subarray(offset, Math.min(header.byteLength, offset + length)));
      return out;
    },
  };
  return parseGguf(bytes);
}

/** Writes (or reuses) a random-weight model and says where it is. */
export async function makeModel(options: MakeModelOptions): Promise<MadeModel> {
  const t0 = performance.now();
  const shape = typeof options.shape === 'string' ? namedShape(options.shape) : options.shape;
  checkShape(shape);
  const fileType = llamaFileType(options.type);
  const seed = options.seed ?? 1;
  const std = options.std ?? 0.02;
  const vocab = await readVocabulary(options.vocab);
  const plans = llamaTensors(shape, vocab.size);
  const input = await sourceModel(plans, llamaMetadata(shape, vocab.kv, vocab.size));
  const choices = chooseTensorTypes(input, fileType);
  const planOf = new Map(plans.map((p) => [p.name, p]));

  const pools = new Map<GgmlType, BlockPool>();
  const poolFor = (type: GgmlType) => {
    let pool = pools.get(type);
    if (!pool) {
      pool = new BlockPool(type, std, seed);
      pools.set(type, pool);
    }
    return pool;
  };
  const tensorTypes: Record<string, number> = {};
  const tensors: GgufTensorSpec[] = choices.map((c) => {
    const plan = planOf.get(c.tensor.name)!;
    const src: TensorSource = { plan, type: c.type, seed: hashString(plan.name, seed), std };
    const typeName = ggmlTypeInfo(c.type).name;
    tensorTypes[typeName] = (tensorTypes[typeName] ?? 0) + 1;
    const data =
      plan.kind === 'norm'
        ? () => normBytes(src)
        : options.exact
          ? () => exactBytes(src)
          : () => pooledBytes(src, poolFor(c.type));
    return { name: plan.name, shape: plan.shape, type: c.type, data };
  });
  const spec = { version: 3, kv: quantizedMetadata(input, fileType), tensors };
  const layout = layoutGguf(spec);

  const outDir = options.outDir ?? defaultModelsDir();
  const path = join(outDir, options.fileName ?? modelFileName(shape, fileType, seed, options.exact));
  const existing = await stat(path).catch(() => undefined);
  const reused = !options.force && existing?.isFile() === true && existing.size === layout.totalSize;
  if (!reused) {
    await mkdir(outDir, { recursive: true });
    await writeGgufFile(path, spec, { signal: options.signal, onProgress: options.onProgress });
  }
  return {
    path,
    bytes: layout.totalSize,
    reused,
    shape,
    fileType,
    nVocab: vocab.size,
    params: plans.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0),
    tensorTypes,
    seconds: (performance.now() - t0) / 1000,
  };
}

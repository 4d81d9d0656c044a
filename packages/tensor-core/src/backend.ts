/**
 * The backend interface: the one contract between the model code and the compute kernels.
 *
 * A backend owns memory (weights, activations, KV caches) and runs ops on it. Ops are *queued*: they take
 * effect in call order, and their results are observable through {@link Backend.readTensor}, which is
 * the only async operation in the compute path. The wasm backend runs each op when it is called; the
 * WebGPU backend records ops into a command buffer and submits it on read. The forward pass is written
 * once against this interface.
 *
 * Conventions: a matrix of `rows` rows of `cols` values is row-major (`[rows, cols]` in the comments);
 * GGUF weight shapes are in ggml order (`shape[0]` = cols = row length). Ops that take `n` work on the
 * first `n` rows of their activation tensors, so buffers are allocated once for the largest batch.
 */
import type { GgmlType } from '@llamats/gguf-format';

export type BackendKind = 'reference' | 'wasm' | 'webgpu';

/** Element type of activation tensors and KV caches. */
export type ActivationType = 'f32' | 'f16';

/** A handle to backend memory. Backends return their own subclasses; callers treat handles as opaque. */
export interface Tensor {
  /** Row-major shape, outermost first (`[rows, cols]`) for activations; ggml order for weights. */
  readonly shape: readonly number[];
  /** ggml type for weights; activation type otherwise. */
  readonly dtype: GgmlType | ActivationType;
  readonly name: string;
}

export interface WeightSpec {
  readonly name: string;
  readonly type: GgmlType;
  /** ggml order: `[cols, rows]` for a matrix, `[n]` for a vector. */
  readonly shape: readonly number[];
  /**
   * Placement hint: the layer the weight belongs to (-1 for embeddings/output). Backends that split memory
   * (wasm beyond 4 GiB, WebGPU binding limits) keep a layer's weights, KV cache and the ops on them together.
   */
  readonly layer?: number;
}

export interface KvCacheSpec {
  readonly nLayer: number;
  /** Positions (cells) per layer. */
  readonly nCtx: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  readonly type: ActivationType;
}

/** A KV cache: per layer, K and V rows for `nCtx` positions of `nHeadKv * headDim` values. Layout is the backend's. */
export interface KvCache {
  readonly spec: KvCacheSpec;
}

export type RopeMode = 'normal' | 'neox';

export interface RopeParams {
  readonly nHead: number;
  readonly headDim: number;
  /** Rotated dimensions per head (<= headDim); the rest pass through. */
  readonly nDims: number;
  /** `normal`: adjacent pairs (GGUF llama); `neox`: first half with second half. */
  readonly mode: RopeMode;
  readonly freqBase: number;
  /** Linear position scale (1 / rope scaling factor). */
  readonly freqScale: number;
  /** Optional per-dimension-pair divisors (`rope_freqs.weight`, nDims/2 values, an f32 weight). */
  readonly freqFactors?: Tensor;
}

export interface AttentionParams {
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly headDim: number;
  /** Position of the first query row: query i sits at position `pos0 + i` and sees cells `0 .. pos0 + i`. */
  readonly pos0: number;
  /** Softmax scale, usually `1 / sqrt(headDim)`. */
  readonly scale: number;
}

export interface BackendInfo {
  readonly kind: BackendKind;
  /** Worker threads used by compute ops (1 for single-threaded or GPU backends). */
  readonly threads: number;
  /** Free-form detail (adapter name, SIMD features). */
  readonly detail: string;
}

export interface Backend {
  readonly info: BackendInfo;

  /** Whether matmul/getRows support weights of this type. */
  supportsWeightType(type: GgmlType): boolean;

  // ---- memory ------------------------------------------------------------------------------------
  /** Allocates a weight tensor (contents undefined until uploaded). */
  createWeight(spec: WeightSpec): Tensor;
  /**
   * Copies raw GGUF bytes of a weight into place, `byteOffset` into the tensor. Upload in chunks. The caller
   * may reuse `bytes` once the call returns (or its promise settles): backends copy them.
   */
  uploadWeight(weight: Tensor, byteOffset: number, bytes: Uint8Array): void | Promise<void>;
  /** Allocates a zero-filled activation tensor of row-major `shape`. */
  createTensor(name: string, shape: readonly number[], dtype?: ActivationType): Tensor;
  /**
   * Optional: a tensor aliasing rows `[row0, row0 + rows)` of the activation `t`, without a copy, so that ops
   * can run on part of a batch (the forward pass runs the feed-forward block a slice of tokens at a time to
   * keep its `[tokens, n_ff]` buffers small). Freeing the view does not free `t`; once `t` is freed the view
   * is unusable too. A backend without it is given whole-batch buffers instead.
   */
  rowsView?(t: Tensor, row0: number, rows: number): Tensor;
  /** Writes f32 values into a tensor at element `offset`. */
  writeTensor(tensor: Tensor, data: Float32Array, offset?: number): void;
  /** Reads `count` elements from element `offset` (all by default), after every queued op has run. */
  readTensor(tensor: Tensor, offset?: number, count?: number): Promise<Float32Array>;
  createKvCache(spec: KvCacheSpec): KvCache;
  /** Serialises cells `[0, nCells)` of every layer (for session files). */
  saveKvCache(cache: KvCache, nCells: number): Promise<Uint8Array>;
  /** Restores what {@link saveKvCache} produced; returns the number of cells restored. */
  loadKvCache(cache: KvCache, bytes: Uint8Array): number;
  /** Frees a tensor or cache. Using it afterwards is an error. */
  free(t: Tensor | KvCache): void;
  /** Frees everything; the backend is unusable afterwards. */
  dispose(): void;

  // ---- ops ---------------------------------------------------------------------------------------
  /** `out[i, :] = dequant(table[ids[i], :])`. out `[n, cols]` f32, table weight `[cols, rows]` (ggml order). */
  getRows(out: Tensor, table: Tensor, ids: Int32Array): void;
  /** `out[n, rows] = x[n, cols] · Wᵀ` where weight is `[cols, rows]` in ggml order. */
  matmul(out: Tensor, weight: Tensor, x: Tensor, n: number): void;
  /** `out[i, :] = x[i, :] / rms(x[i, :]) * weight` over the first `n` rows; weight f32 `[cols]`. */
  rmsNorm(out: Tensor, x: Tensor, weight: Tensor, eps: number, n: number): void;
  /** Rotates `x` in place: `[n, nHead * headDim]` at positions `positions[i]`. */
  rope(x: Tensor, positions: Int32Array, params: RopeParams): void;
  /** Copies rows `[srcRow, srcRow + n)` of `src` to rows `[dstRow, ...)` of `dst` (same column count). */
  copyRows(dst: Tensor, src: Tensor, srcRow: number, dstRow: number, n: number): void;
  /** `out = a + b` over the first `n` rows (out may alias a). */
  add(out: Tensor, a: Tensor, b: Tensor, n: number): void;
  /** `out = silu(gate) * up` over the first `n` rows (SwiGLU; out may alias gate). */
  swiglu(out: Tensor, gate: Tensor, up: Tensor, n: number): void;
  /** Writes `k`/`v` rows `[n, nHeadKv * headDim]` into cells `cell0 .. cell0 + n - 1` of `layer`. */
  writeKv(cache: KvCache, layer: number, cell0: number, k: Tensor, v: Tensor, n: number): void;
  /**
   * Causal grouped-query attention of `q` `[n, nHead * headDim]` over `layer`'s cache cells
   * `0 .. pos0 + i` for query row i; `out` `[n, nHead * headDim]`.
   */
  attention(out: Tensor, q: Tensor, cache: KvCache, layer: number, n: number, params: AttentionParams): void;
  /**
   * Context shift: moves cells `[src, src + count)` to `[dst, ...)` in every layer and re-rotates their keys
   * by `delta` positions (K is stored after RoPE). `rope` gives the rotation parameters (nHead = nHeadKv).
   */
  shiftKv(cache: KvCache, src: number, dst: number, count: number, delta: number, rope: RopeParams): void;
}

/** Thrown for misuse of a backend (shape mismatch, unsupported type, freed tensor). */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The weight type is not implemented by this backend. */
export class UnsupportedTypeError extends BackendError {
  constructor(
    readonly type: GgmlType,
    readonly backend: BackendKind,
    readonly tensor?: string,
  ) {
    super(
      `The ${backend} backend cannot compute with ggml type ${type}${tensor ? ` (tensor "${tensor}")` : ''}. ` +
        'Use a model quantized to a supported type (see the tensor-core README).',
    );
  }
}

/**
 * How one ggml weight type lives on the GPU: its blocks as uploaded (padded to a multiple of 4 bytes where
 * the GGUF block is not, so that every field the shader reads sits in whole `u32` words) and the WGSL that
 * dequantizes 32 consecutive values of a row. Every matmul and get-rows kernel is written once over `dq32`.
 */
import type { GgmlType } from '@llamats/gguf-format';

/**
 * One weight type's GPU layout. The WGSL of {@link wgsl} reads the weight binding `w: array<u32>` and
 * defines `fn dq32(rw: u32, g: u32, v: ptr<function, array<vec4<f32>, 8>>)`: values `32g .. 32g + 31` of
 * the row whose first word is `rw`, in order, four per vec4.
 */
export interface GpuWeightFormat {
  readonly type: GgmlType;
  /** Values per block (1 for F32/F16/BF16). */
  readonly blockElems: number;
  /** Bytes per block in the GGUF file. */
  readonly srcBlockBytes: number;
  /** Bytes per block on the GPU (srcBlockBytes plus padding). */
  readonly dstBlockBytes: number;
  /** Padding bytes inserted before each block's first byte (the rest of the padding goes after it). */
  readonly padFront: number;
  /** WGSL of `dq32` (and its helpers, prefixed with the type name to keep shaders composable). */
  readonly wgsl: string;
  /**
   * Optional layout for the decode matrix-vector kernel, where the number of load instructions in flight
   * decides the speed: WGSL of `fn chunk_cols(c: u32) -> vec2<u32>` and
   * `fn dq_chunk(rv: u32, c: u32, v: ptr<function, array<vec4<f32>, 8>>)` over the weights viewed as
   * `wv: array<vec4<u32>>` (`rv`: the row's first vec4; rows must be multiples of 16 bytes). Chunk `c` of a
   * row is 32 values whose quantized bytes are contiguous, read with 16-byte loads: `v[0..3]` are the 16
   * columns starting at activation vec4 `chunk_cols(c).x`, `v[4..7]` the 16 starting at `.y`. A row has
   * as many chunks as 32-value groups.
   */
  readonly chunkWgsl?: string;
}

/** WGSL helpers every `dq32` may use; they read the weight binding `w`. */
export const DEQUANT_HELPERS = /* wgsl */ `
fn h_lo(x: u32) -> f32 { return unpack2x16float(x).x; }
fn h_hi(x: u32) -> f32 { return unpack2x16float(x).y; }
// the 4 bytes of x, as unsigned values
fn bytes4(x: u32) -> vec4<u32> { return (vec4<u32>(x) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(255u); }
// the 4 bytes of x, as signed values
fn sbytes4(x: u32) -> vec4<f32> {
  return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(x) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));
}
// from each byte of x, the bit field of width mask starting at bit sh
fn fields4(x: u32, sh: u32, mask: u32) -> vec4<u32> { return (bytes4(x) >> vec4<u32>(sh)) & vec4<u32>(mask); }
// byte b of the weight words starting at word base
fn wbyte(base: u32, b: u32) -> u32 { return (w[base + (b >> 2u)] >> ((b & 3u) * 8u)) & 255u; }
`;

/**
 * Repacking GGUF weight rows into their GPU layout: each block padded as its {@link GpuWeightFormat} says,
 * each row padded to a whole number of u32 words.
 */
import type { GpuWeightFormat } from './format.js';

/** Byte sizes of one row of `cols` values in the file and on the GPU. */
export interface RowGeometry {
  readonly blocksPerRow: number;
  readonly srcRowBytes: number;
  /** Multiple of 4. */
  readonly dstRowBytes: number;
  /** True when rows can be copied unchanged. */
  readonly identity: boolean;
}

export function rowGeometry(f: GpuWeightFormat, cols: number): RowGeometry {
  const blocksPerRow = cols / f.blockElems;
  const srcRowBytes = blocksPerRow * f.srcBlockBytes;
  const dstRowBytes = Math.ceil((blocksPerRow * f.dstBlockBytes) / 4) * 4;
  return { blocksPerRow, srcRowBytes, dstRowBytes, identity: srcRowBytes === dstRowBytes };
}

/** Copies `rows` whole rows from `src` (file layout, starting at a row) into `dst` (GPU layout). */
export function repackRows(f: GpuWeightFormat, g: RowGeometry, src: Uint8Array, rows: number, dst: Uint8Array): void {
  if (g.identity) {
    dst.set(src.subarray(0, rows * g.srcRowBytes));
    return;
  }
  for (let r = 0; r < rows; r++) {
    let s = r * g.srcRowBytes;
    let d = r * g.dstRowBytes + f.padFront;
    if (f.srcBlockBytes === f.dstBlockBytes) {
      dst.set(src.subarray(s, s + g.srcRowBytes), d); // only the row end is padded
      continue;
    }
    for (let b = 0; b < g.blocksPerRow; b++, s += f.srcBlockBytes, d += f.dstBlockBytes) {
      dst.set(src.subarray(s, s + f.srcBlockBytes), d);
    }
  }
}

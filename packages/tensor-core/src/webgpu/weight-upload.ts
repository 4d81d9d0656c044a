/**
 * Weight uploads: GGUF bytes arrive in chunks of any size at any offset (model loaders stream them). Whole
 * rows are repacked into the GPU layout and written at once; rows a chunk covers only in part are collected
 * on the CPU until their last byte arrives (`queue.writeBuffer` needs 4-byte aligned offsets and sizes,
 * and repacking needs whole blocks).
 */
/// <reference types="@webgpu/types" />
import { repackRows } from './quant/repack.js';
import type { GpuWeight } from './tensors.js';

/** Writes `bytes` (file layout) at `byteOffset` of weight `w`. The caller checks the range. */
export function writeWeightBytes(queue: GPUQueue, w: GpuWeight, byteOffset: number, bytes: Uint8Array): void {
  const rowBytes = w.geometry.srcRowBytes;
  const end = byteOffset + bytes.byteLength;
  const firstFull = Math.ceil(byteOffset / rowBytes);
  const endFull = Math.floor(end / rowBytes);
  if (firstFull < endFull) writeRows(queue, w, firstFull, endFull, bytes.subarray(firstFull * rowBytes - byteOffset));
  // rows the chunk covers in part: collect their bytes until complete
  const firstRow = Math.floor(byteOffset / rowBytes);
  const lastRow = Math.floor((end - 1) / rowBytes);
  for (const r of new Set([firstRow, lastRow])) {
    if (r >= firstFull && r < endFull) continue;
    const rowStart = r * rowBytes;
    const from = Math.max(byteOffset, rowStart);
    const to = Math.min(end, rowStart + rowBytes);
    let part = w.partialRows.get(r);
    if (!part) {
      part = { bytes: new Uint8Array(rowBytes), filled: 0 };
      w.partialRows.set(r, part);
    }
    part.bytes.set(bytes.subarray(from - byteOffset, to - byteOffset), from - rowStart);
    part.filled += to - from;
    if (part.filled >= rowBytes) {
      w.partialRows.delete(r);
      writeRows(queue, w, r, r + 1, part.bytes);
    }
  }
}

/** Writes whole rows `[r0, r1)` given in file layout (`src` starts at row r0), piece by piece. */
function writeRows(queue: GPUQueue, w: GpuWeight, r0: number, r1: number, src: Uint8Array): void {
  const g = w.geometry;
  for (const piece of w.pieces) {
    const a = Math.max(r0, piece.row0);
    const b = Math.min(r1, piece.row0 + piece.rows);
    if (a >= b) continue;
    const rows = src.subarray((a - r0) * g.srcRowBytes, (b - r0) * g.srcRowBytes);
    const dstOffset = (a - piece.row0) * g.dstRowBytes;
    if (g.identity) {
      queue.writeBuffer(piece.buf.buffer, dstOffset, rows.buffer, rows.byteOffset, rows.byteLength);
    } else {
      const packed = new Uint8Array((b - a) * g.dstRowBytes);
      repackRows(w.format, g, rows, b - a, packed);
      queue.writeBuffer(piece.buf.buffer, dstOffset, packed.buffer, 0, packed.byteLength);
    }
  }
}

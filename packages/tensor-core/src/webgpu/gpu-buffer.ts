/** GPU buffers with stable ids (bind groups are cached by them) and the WebGPU usage flags we need. */
/// <reference types="@webgpu/types" />

// Numeric values of GPUBufferUsage / GPUMapMode (not read from globals: Node has none unless installed).
export const Usage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;
export const MAP_READ_MODE = 0x0001;

let nextId = 1;

/** A buffer and its identity for caches. */
export class GpuBuf {
  readonly id = nextId++;
  destroyed = false;
  constructor(
    readonly buffer: GPUBuffer,
    readonly size: number,
    readonly label: string,
  ) {}
  destroy(): void {
    if (!this.destroyed) this.buffer.destroy();
    this.destroyed = true;
  }
}

/** A range of a buffer to bind (whole buffer by default). */
export interface BufferRange {
  readonly buf: GpuBuf;
  readonly offset?: number;
  readonly size?: number;
}

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

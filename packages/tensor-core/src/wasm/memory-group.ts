/**
 * A memory group: one wasm32 linear memory (at most 4 GiB) with the kernel module instantiated on it.
 * Tensors placed in a group are computed on by that group's kernels; models larger than one memory are
 * spread over several groups (see wasm-backend.ts for the placement policy). The group grows its memory
 * as tensors are placed, so process memory follows what is stored.
 */
import { BackendError } from '../backend.js';
import { RangeAllocator, roundUp } from './allocator.js';
import { KERNEL_INDEX, KERNEL_NAMES, type KernelFunction, type KernelName, kernelArity } from './kernel-names.js';

const PAGE = 65536;
/** Grow the memory in steps of at least this much (fewer grow calls while loading). */
const GROW_STEP = 16 << 20;

/** A tensor or scratch buffer does not fit in the memory left. */
export class WasmMemoryError extends BackendError {
  constructor(
    message: string,
    readonly requestedBytes: number,
    readonly limitBytes: number,
  ) {
    super(message);
  }
}

export interface MemoryGroupOptions {
  /** Bytes this group's memory may reach (a multiple of 64 KiB, at most 4 GiB - 64 KiB). */
  readonly capacity: number;
  /** Bytes kept free of tensors for scratch buffers (activation records, unpacked rows, staging). */
  readonly scratchReserve: number;
  readonly shared: boolean;
}

export class MemoryGroup {
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelFunction[];
  private readonly allocator: RangeAllocator;
  private readonly scratch = new Map<string, { ptr: number; bytes: number }>();
  private readonly tensorLimit: number;
  private u8View: Uint8Array;
  /** Address of the i32 chunk counter that dynamically scheduled kernels share. */
  readonly counter: number;

  constructor(
    readonly id: number,
    module: WebAssembly.Module,
    readonly options: MemoryGroupOptions,
  ) {
    const maximum = options.capacity / PAGE;
    this.memory = new WebAssembly.Memory({
      initial: 1,
      maximum,
      shared: options.shared,
    } as WebAssembly.MemoryDescriptor);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    const exports = instance.exports as Record<string, unknown>;
    this.kernels = KERNEL_NAMES.map((n) => {
      const f = exports[n] as KernelFunction | undefined;
      if (typeof f !== 'function' || f.length !== kernelArity(n) + 2) {
        throw new BackendError(
          `The wasm kernel ${n} is missing or takes other arguments than this code passes: the compiled kernels are stale; run \`pnpm build\` in packages/tensor-core`,
        );
      }
      return f;
    });
    const heapBase = (exports.heap_base as () => number)() >>> 0;
    this.allocator = new RangeAllocator(heapBase, options.capacity);
    this.tensorLimit = options.capacity - options.scratchReserve;
    this.u8View = new Uint8Array(this.memory.buffer);
    const counter = this.allocator.alloc(64, 64);
    if (counter === undefined) throw new WasmMemoryError('The memory group is too small', 64, options.capacity);
    this.counter = counter;
    this.growTo(this.allocator.top);
  }

  kernel(name: KernelName): KernelFunction {
    return this.kernels[KERNEL_INDEX.get(name)!];
  }

  /** Byte view of the whole memory (renewed after growth). */
  get u8(): Uint8Array {
    if (this.u8View.byteLength !== this.memory.buffer.byteLength) this.u8View = new Uint8Array(this.memory.buffer);
    return this.u8View;
  }

  /** f32 view of `count` values at byte address `ptr` (valid until the memory grows). */
  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  /** Sets the shared chunk counter to 0 (before a dynamically scheduled kernel). */
  resetCounter(): void {
    Atomics.store(new Int32Array(this.memory.buffer, this.counter, 1), 0, 0);
  }

  /** Bytes allocated to tensors and scratch. */
  get usedBytes(): number {
    return this.allocator.used;
  }

  /** Whether a tensor of `bytes` would fit (below the scratch reserve). */
  fitsTensor(bytes: number): boolean {
    return this.allocator.fits(bytes, 64, this.tensorLimit);
  }

  /** Places a tensor of `bytes`; undefined when this group has no room for it. */
  allocTensor(bytes: number): number | undefined {
    const ptr = this.allocator.alloc(bytes, 64, this.tensorLimit);
    if (ptr !== undefined) this.growTo(ptr + bytes);
    return ptr;
  }

  release(ptr: number): void {
    this.allocator.release(ptr);
  }

  /**
   * A scratch buffer of at least `bytes`, kept under `name` and reused by later ops (its contents are not
   * preserved when it has to grow).
   */
  scratchBuffer(name: string, bytes: number): number {
    const have = this.scratch.get(name);
    if (have && have.bytes >= bytes) return have.ptr;
    if (have) {
      this.allocator.release(have.ptr);
      this.scratch.delete(name);
    }
    let got = roundUp(Math.max(bytes, have ? Math.ceil(have.bytes * 1.5) : 0, 64), 64);
    let ptr = this.allocator.alloc(got, 64);
    if (ptr === undefined) {
      got = roundUp(Math.max(bytes, 64), 64);
      ptr = this.allocator.alloc(got, 64);
    }
    if (ptr === undefined) {
      throw new WasmMemoryError(
        `No room for ${bytes} bytes of scratch ("${name}") in wasm memory group ${this.id} (${this.options.capacity} bytes): ` +
          'use a smaller batch or context',
        bytes,
        this.options.capacity,
      );
    }
    this.scratch.set(name, { ptr, bytes: got });
    this.growTo(ptr + got);
    return ptr;
  }

  private growTo(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const want = Math.min(this.options.capacity, Math.max(roundUp(end, PAGE), have + GROW_STEP));
    this.memory.grow((roundUp(want, PAGE) - have) / PAGE);
  }
}

/**
 * A first-fit allocator of byte ranges in one linear memory: tensors are placed at aligned offsets between
 * `base` and `limit`, freed ranges are merged with their neighbours and reused, and the high-water mark
 * (`top`) tells the memory how far it must have grown. Plain bookkeeping in JavaScript: the number of
 * live allocations is small (a few hundred tensors).
 */
export class RangeAllocator {
  /** Free ranges below `top`, sorted by start, never adjacent (merged). */
  private readonly free: { start: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();
  private topOffset: number;

  constructor(
    readonly base: number,
    readonly limit: number,
  ) {
    this.topOffset = base;
  }

  /** One past the highest byte in use. */
  get top(): number {
    return this.topOffset;
  }

  /** Bytes currently allocated. */
  get used(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  /** Whether `size` bytes could be allocated now without passing `limit`. */
  fits(size: number, align = 64, limit = this.limit): boolean {
    return this.find(size, align, limit) !== undefined;
  }

  /** Allocates `size` bytes aligned to `align` (a power of two); undefined when they do not fit under `limit`. */
  alloc(size: number, align = 64, limit = this.limit): number | undefined {
    const found = this.find(size, align, limit);
    if (found === undefined) return undefined;
    const { index, start } = found;
    const rounded = roundUp(Math.max(size, 1), 16);
    if (index < 0) {
      // from the top: the alignment gap below becomes a free range
      if (start > this.topOffset) this.release(this.topOffset, start - this.topOffset);
      this.topOffset = start + rounded;
    } else {
      const r = this.free[index];
      const before = start - r.start;
      const after = r.start + r.size - (start + rounded);
      this.free.splice(index, 1);
      if (after > 0) this.free.splice(index, 0, { start: start + rounded, size: after });
      if (before > 0) this.free.splice(index, 0, { start: r.start, size: before });
    }
    this.sizes.set(start, rounded);
    return start;
  }

  /** Frees what {@link alloc} returned at `start`. */
  release(start: number, size?: number): void {
    const s = size ?? this.sizes.get(start);
    if (s === undefined) throw new RangeError(`No allocation at offset ${start}`);
    if (size === undefined) this.sizes.delete(start);
    let i = 0;
    while (i < this.free.length && this.free[i].start < start) i++;
    this.free.splice(i, 0, { start, size: s });
    // merge with the next and previous ranges
    if (i + 1 < this.free.length && this.free[i].start + this.free[i].size === this.free[i + 1].start) {
      this.free[i].size += this.free[i + 1].size;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].start + this.free[i - 1].size === this.free[i].start) {
      this.free[i - 1].size += this.free[i].size;
      this.free.splice(i, 1);
      i--;
    }
    // a free range that reaches the top lowers it
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.topOffset) {
      this.topOffset = last.start;
      this.free.pop();
    }
  }

  private find(size: number, align: number, limit: number): { index: number; start: number } | undefined {
    const rounded = roundUp(Math.max(size, 1), 16);
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      const start = roundUp(r.start, align);
      if (start + rounded <= r.start + r.size && start + rounded <= limit) return { index: i, start };
    }
    const start = roundUp(this.topOffset, align);
    return start + rounded <= limit ? { index: -1, start } : undefined;
  }
}

/** `x` rounded up to a multiple of `to` (a power of two or any positive integer). */
export function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}

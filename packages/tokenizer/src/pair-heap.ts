/**
 * A binary min-heap of candidate merges (adjacent symbol pairs) in growable typed arrays: no object per
 * entry, so a 1 MB word (a million pairs) costs a few arrays. Order: lower `priority` first, then the lower
 * `left` index, which is llama.cpp's order (its priority queues break ties by the leftmost pair).
 */
export class PairHeap {
  private priority = new Float64Array(64);
  private leftAt = new Int32Array(64);
  private rightAt = new Int32Array(64);
  private checkA = new Int32Array(64);
  private checkB = new Int32Array(64);
  private n = 0;

  // The entry last popped.
  left = 0;
  right = 0;
  a = 0;
  b = 0;

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  /** Adds a pair; `a` and `b` are what the caller needs to tell whether the entry went stale. */
  push(priority: number, left: number, right: number, a: number, b: number): void {
    if (this.n === this.priority.length) this.grow();
    let i = this.n++;
    // sift up
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pp = this.priority[p];
      if (pp < priority || (pp === priority && this.leftAt[p] <= left)) break;
      this.move(p, i);
      i = p;
    }
    this.priority[i] = priority;
    this.leftAt[i] = left;
    this.rightAt[i] = right;
    this.checkA[i] = a;
    this.checkB[i] = b;
  }

  /** Removes the first entry into `left`, `right`, `a`, `b`; false when empty. */
  pop(): boolean {
    if (this.n === 0) return false;
    this.left = this.leftAt[0];
    this.right = this.rightAt[0];
    this.a = this.checkA[0];
    this.b = this.checkB[0];
    const last = --this.n;
    if (last === 0) return true;
    const priority = this.priority[last];
    const left = this.leftAt[last];
    let i = 0;
    // sift the last entry down from the root
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last) {
        const d = c + 1;
        if (
          this.priority[d] < this.priority[c] ||
          (this.priority[d] === this.priority[c] && this.leftAt[d] < this.leftAt[c])
        )
          c = d;
      }
      if (priority < this.priority[c] || (priority === this.priority[c] && left <= this.leftAt[c])) break;
      this.move(c, i);
      i = c;
    }
    this.move(last, i);
    return true;
  }

  private move(from: number, to: number): void {
    this.priority[to] = this.priority[from];
    this.leftAt[to] = this.leftAt[from];
    this.rightAt[to] = this.rightAt[from];
    this.checkA[to] = this.checkA[from];
    this.checkB[to] = this.checkB[from];
  }

  private grow(): void {
    const size = this.priority.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    const p = new Float64Array(size);
    p.set(this.priority);
    this.priority = p;
    this.leftAt = grow32(this.leftAt);
    this.rightAt = grow32(this.rightAt);
    this.checkA = grow32(this.checkA);
    this.checkB = grow32(this.checkB);
  }
}

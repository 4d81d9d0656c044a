/**
 * The candidate list every sampling stage works on (llama.cpp's `llama_token_data_array`), kept as parallel
 * typed arrays allocated once per vocabulary size: `ids[i]`, `logits[i]`, `probs[i]` for `i < size`.
 * `sorted` means descending by logit. `identity` means the list is still the untouched full vocabulary in id
 * order (`ids[i] === i`), which lets history-based stages index tokens directly.
 */
import { sortDescending } from './sort.js';

export class Candidates {
  ids: Int32Array;
  logits: Float32Array;
  probs: Float32Array;
  size = 0;
  sorted = false;
  identity = false;
  /** Index (into the arrays) of the selected token, or -1. */
  selected = -1;
  private scratchIds: Int32Array;
  private scratchLogits: Float32Array;
  private scratchProbs: Float32Array;
  private order: Int32Array;

  constructor(capacity: number) {
    this.order = new Int32Array(capacity);
    this.ids = new Int32Array(capacity);
    this.logits = new Float32Array(capacity);
    this.probs = new Float32Array(capacity);
    this.scratchIds = new Int32Array(capacity);
    this.scratchLogits = new Float32Array(capacity);
    this.scratchProbs = new Float32Array(capacity);
  }

  get capacity(): number {
    return this.ids.length;
  }

  /** Fills the list with the full vocabulary (`logits.length` tokens, ids in order). */
  load(logits: Float32Array): void {
    const n = logits.length;
    if (n > this.capacity) this.grow(n);
    this.logits.set(logits);
    const ids = this.ids;
    for (let i = 0; i < n; i++) ids[i] = i;
    this.size = n;
    this.sorted = false;
    this.identity = true;
    this.selected = -1;
  }

  /** Fills the list with explicit (id, logit) pairs. */
  loadPairs(ids: ArrayLike<number>, logits: ArrayLike<number>): void {
    const n = ids.length;
    if (n > this.capacity) this.grow(n);
    for (let i = 0; i < n; i++) {
      this.ids[i] = ids[i];
      this.logits[i] = logits[i];
    }
    this.size = n;
    this.sorted = false;
    this.identity = false;
    this.selected = -1;
  }

  private grow(n: number): void {
    this.ids = new Int32Array(n);
    this.logits = new Float32Array(n);
    this.probs = new Float32Array(n);
    this.scratchIds = new Int32Array(n);
    this.scratchLogits = new Float32Array(n);
    this.scratchProbs = new Float32Array(n);
    this.order = new Int32Array(n);
  }

  /** Index of the largest logit (first one on ties). */
  argmax(): number {
    const l = this.logits;
    let best = 0;
    for (let i = 1; i < this.size; i++) if (l[i] > l[best]) best = i;
    return best;
  }

  maxLogit(): number {
    if (this.sorted) return this.logits[0];
    const l = this.logits;
    let m = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.size; i++) if (l[i] > m) m = l[i];
    return m;
  }

  /**
   * Probabilities from logits (llama.cpp's `llama_sampler_softmax_impl`): `probs[i] = exp(l_i - max) / sum`,
   * computed in single precision per term like the C++ code. Sorts first when `sort` is set.
   */
  softmax(sort: boolean): void {
    if (sort && !this.sorted) this.sortAll();
    const n = this.size;
    const l = this.logits;
    const p = this.probs;
    const max = this.maxLogit();
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.fround(Math.exp(l[i] - max));
      p[i] = e;
      sum = Math.fround(sum + e);
    }
    for (let i = 0; i < n; i++) p[i] = p[i] / sum;
  }

  /** Sorts every candidate by descending logit. */
  sortAll(): void {
    this.keepTop(this.size);
  }

  /**
   * Keeps the `k` highest logits, in descending order (llama.cpp's partial sort), and sets `sorted`.
   * Small `k` uses a bounded min-heap over the list (O(n log k), no full sort).
   */
  keepTop(k: number): void {
    const n = this.size;
    if (k > n) k = n;
    if (this.sorted) {
      this.size = k;
      return;
    }
    this.permute(this.selectTop(k), k);
    this.sorted = true;
  }

  /**
   * Indices of the `k` highest logits, highest first, without reordering the list (the view is valid until
   * the next call). Bounded heap for small `k`, radix sort otherwise.
   */
  selectTop(k: number): Int32Array {
    const n = this.size;
    if (k > n) k = n;
    const order = this.order;
    if (k < n && k <= 256) selectTopK(this.logits, n, k, order);
    else sortDescending(this.logits, n, order);
    return order.subarray(0, k);
  }

  /** Keeps `count` entries, reordered as `order` (indices into the current arrays) lists them. */
  permute(order: Int32Array, count: number): void {
    const ids = this.ids;
    const logits = this.logits;
    const probs = this.probs;
    const si = this.scratchIds;
    const sl = this.scratchLogits;
    const sp = this.scratchProbs;
    for (let i = 0; i < count; i++) {
      const j = order[i];
      si[i] = ids[j];
      sl[i] = logits[j];
      sp[i] = probs[j];
    }
    ids.set(si.subarray(0, count));
    logits.set(sl.subarray(0, count));
    probs.set(sp.subarray(0, count));
    this.size = count;
    this.identity = false;
  }

  /** Keeps the entries whose index passes `keep`, in order. */
  filter(keep: (index: number) => boolean): void {
    let w = 0;
    const ids = this.ids;
    const logits = this.logits;
    const probs = this.probs;
    for (let i = 0; i < this.size; i++) {
      if (!keep(i)) continue;
      ids[w] = ids[i];
      logits[w] = logits[i];
      probs[w] = probs[i];
      w++;
    }
    if (w !== this.size) this.identity = false;
    this.size = w;
  }

  /** Drops the first `n` entries (XTC removes the most likely tokens this way). */
  dropFront(n: number): void {
    this.ids.copyWithin(0, n, this.size);
    this.logits.copyWithin(0, n, this.size);
    this.probs.copyWithin(0, n, this.size);
    this.size -= n;
    this.identity = false;
  }

  /** The list index of token `id`, or -1. */
  indexOf(id: number): number {
    if (this.identity) return id < this.size ? id : -1;
    const ids = this.ids;
    for (let i = 0; i < this.size; i++) if (ids[i] === id) return i;
    return -1;
  }
}

/**
 * Writes into `out` the indices of the `k` largest of `values[0..n)`, largest first, using a min-heap of size k.
 * Returns k.
 */
export function selectTopK(values: Float32Array, n: number, k: number, out: Int32Array): number {
  if (k <= 0) return 0;
  // Heap of indices ordered by value (min at the root); ties broken towards the lower index staying.
  const heap = out;
  let size = 0;
  const less = (a: number, b: number) => values[a] < values[b] || (values[a] === values[b] && a > b);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const r = l + 1;
      const m = r < size && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[m], heap[i])) return;
      const t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (size < k) {
      let c = size++;
      heap[c] = i;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!less(heap[c], heap[p])) break;
        const t = heap[c];
        heap[c] = heap[p];
        heap[p] = t;
        c = p;
      }
    } else if (less(heap[0], i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  // Pop the heap from the back: smallest goes last.
  const count = size;
  for (let end = count - 1; end > 0; end--) {
    const t = heap[0];
    heap[0] = heap[end];
    heap[end] = t;
    size = end;
    siftDown(0);
  }
  // Now ascending by `less` from the back: heap[0] is the largest.
  return count;
}

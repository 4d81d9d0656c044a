/**
 * Descending sort of float keys returning a permutation, without comparator calls: small inputs use an
 * insertion-friendly comparator sort, large ones an LSD radix sort on the keys' IEEE-754 bits (stable, so
 * equal logits keep id order).
 */

let keyBuf = new Uint32Array(0);
let keyTmp = new Uint32Array(0);
let idxTmp = new Int32Array(0);
const counts = new Uint32Array(1 << 16);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Sortable key: larger float → smaller key, so an ascending radix sort yields descending floats. */
function descendingKey(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  // Map to ascending unsigned order (negative floats flip all bits, positive flip the sign), then invert.
  const asc = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
  return ~asc >>> 0;
}

/** Writes into `order` the indices of `values[0..n)` sorted by descending value; returns n. */
export function sortDescending(values: Float32Array, n: number, order: Int32Array): number {
  if (n <= 1024) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => values[b] - values[a] || a - b);
    for (let i = 0; i < n; i++) order[i] = idx[i];
    return n;
  }
  if (keyBuf.length < n) {
    keyBuf = new Uint32Array(n);
    keyTmp = new Uint32Array(n);
    idxTmp = new Int32Array(n);
  }
  let keys: Uint32Array = keyBuf;
  let tmpKeys: Uint32Array = keyTmp;
  let idx: Int32Array = order;
  let tmpIdx: Int32Array = idxTmp;
  for (let i = 0; i < n; i++) {
    keys[i] = descendingKey(values[i]);
    idx[i] = i;
  }
  for (let shift = 0; shift < 32; shift += 16) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 0xffff]++;
    let total = 0;
    for (let b = 0; b < 65536; b++) {
      const c = counts[b];
      counts[b] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const b = (keys[i] >>> shift) & 0xffff;
      const dst = counts[b]++;
      tmpKeys[dst] = keys[i];
      tmpIdx[dst] = idx[i];
    }
    [keys, tmpKeys] = [tmpKeys, keys];
    [idx, tmpIdx] = [tmpIdx, idx];
  }
  // Two passes: the result is back in the original buffers (`order`).
  return n;
}

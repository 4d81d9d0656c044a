/** The 16 non-linear levels of IQ4_NL and IQ4_XS, and how values map to them and are packed. */

/** ggml's `kvalues_iq4nl`: the 16 levels of IQ4_NL and IQ4_XS (sorted ascending). */
export const KVALUES_IQ4NL: Readonly<Int8Array> = Int8Array.from([
  -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
]);

/**
 * ggml's `best_index_int8`: the index of the level nearest to `x` in the sorted `values`, ties going to the
 * larger level (`x` picks level i once it reaches the midpoint of levels i-1 and i).
 */
export function bestIndexInt8(values: Readonly<Int8Array>, x: number): number {
  const x2 = Math.fround(x + x); // exact, as in float (2x only overflows to infinity)
  let idx = 0;
  for (let step = values.length >> 1; step > 0; step >>= 1) {
    const j = idx + step;
    if (x2 >= values[j - 1] + values[j]) idx = j;
  }
  return idx;
}

/** Stores 4-bit level indices of `size` values as IQ4_NL / IQ4_XS do (byte 16i + j: values 32i + j, 32i + 16 + j). */
export function packIq4Levels(L: Uint8Array, size: number, dst: Uint8Array, at: number): void {
  for (let i = 0; i < size / 32; i++) {
    for (let j = 0; j < 16; j++) dst[at + 16 * i + j] = L[32 * i + j] | (L[32 * i + 16 + j] << 4);
  }
}

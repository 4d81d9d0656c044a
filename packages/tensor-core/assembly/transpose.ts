// Transposes of 4 x 4 i32 words across four vectors: the placed Q4_K / Q5_K layouts (formats/q4_k.ts,
// formats/q5_k.ts) and their matching activations (activations.ts) are built and read back with them.

/**
 * Row `j` (0..3, a constant) of the transpose of four rows of four i32 words: [r0.w_j, r1.w_j, r2.w_j,
 * r3.w_j]. Calls for the four rows of the same inputs share their first four shuffles once inlined.
 */
@inline
export function transposedWords(r0: v128, r1: v128, r2: v128, r3: v128, j: i32): v128 {
  const a = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const b = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const c = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const d = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  if (j == 0) return v128.shuffle<i64>(a, b, 0, 2);
  if (j == 1) return v128.shuffle<i64>(a, b, 1, 3);
  if (j == 2) return v128.shuffle<i64>(c, d, 0, 2);
  return v128.shuffle<i64>(c, d, 1, 3);
}

/** The four rows of the transpose of r0..r3 ({@link transposedWords}), row j stored at `dst + j * stride`. */
@inline
export function storeTransposedWords(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const a = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const b = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const c = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const d = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i64>(a, b, 0, 2));
  v128.store(dst + stride, v128.shuffle<i64>(a, b, 1, 3));
  v128.store(dst + 2 * stride, v128.shuffle<i64>(c, d, 0, 2));
  v128.store(dst + 3 * stride, v128.shuffle<i64>(c, d, 1, 3));
}

/**
 * Two word transposes whose rows interleave: row j of the transpose of a0..a3 at `dst + 32j`, row j of that
 * of b0..b3 at `dst + 16 + 32j` (the arguments are all read before anything is stored, so `dst` may be
 * where they came from).
 */
@inline
export function storeInterleavedTransposes(a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128, dst: usize): void {
  storeTransposedWords(a0, a1, a2, a3, dst, 32);
  storeTransposedWords(b0, b1, b2, b3, dst + 16, 32);
}

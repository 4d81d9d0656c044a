// A probe, compiled on its own (scripts/build-wasm.mjs): does this engine run
// `i32x4.relaxed_dot_i8x16_i7x16_add_s` as one instruction (x64 AVX-VNNI `vpdpbusd`, arm64 `sdot`), or
// emulate it? The VNNI kernel build (simd-dot.ts dotAdd) is 10-20% faster where it is one instruction and
// about 40% slower where it is emulated (V8 12 and older: pmaddubsw, pmaddwd, paddd), and no engine says
// which. Throughput cannot tell them apart (both are bound by the multiplies), latency can: `fused` chains
// 8 dot-adds per round through one accumulator, so one instruction puts its whole latency (4-5 cycles) on
// the chain 8 times, while an emulation puts only its final add there (1 cycle). `pairs` does the same
// products as i16 pair sums with adds on the chain. src/wasm/dot-add-probe.ts times the two (fused about
// 2.5x pairs where it is one instruction, about 1.1x where emulated) and checks `fused`'s sum.

/** `acc` plus the products of activations `x` with levels `w`: fused into i32 lanes, or as i16 pair sums. */
@inline
function addProducts(fusedAdd: bool, acc: v128, x: v128, w: v128): v128 {
  return fusedAdd ? i32x4.relaxed_dot_i8x16_i7x16_add_s(x, w, acc) : i16x8.add(acc, i16x8.relaxed_dot_i8x16_i7x16_s(x, w));
}

/**
 * `n` rounds, each adding 8 dot products of the 7-bit levels `seed & 63` with activations x, x + s,
 * ..., x + 7s (s = seed >> 8, bytes wrap; x starts at `seed` and steps by 8s) to one accumulator
 * (`fusedAdd`, a compile-time constant where inlined, picks how: {@link addProducts}).
 */
@inline
function chain(fusedAdd: bool, n: i32, seed: i32): v128 {
  const w = i8x16.splat(<i8>(seed & 63));
  const step = seed >> 8;
  const s1 = i8x16.splat(<i8>step);
  const s2 = i8x16.splat(<i8>(step * 2));
  const s3 = i8x16.splat(<i8>(step * 3));
  const s4 = i8x16.splat(<i8>(step * 4));
  const s5 = i8x16.splat(<i8>(step * 5));
  const s6 = i8x16.splat(<i8>(step * 6));
  const s7 = i8x16.splat(<i8>(step * 7));
  const s8 = i8x16.splat(<i8>(step * 8));
  let x = i8x16.splat(<i8>seed);
  let a = i32x4.splat(0);
  for (let i = 0; i < n; i++) {
    // the activations are independent of each other, so only the accumulator forms a chain
    a = addProducts(fusedAdd, a, x, w);
    a = addProducts(fusedAdd, a, i8x16.add(x, s1), w);
    a = addProducts(fusedAdd, a, i8x16.add(x, s2), w);
    a = addProducts(fusedAdd, a, i8x16.add(x, s3), w);
    a = addProducts(fusedAdd, a, i8x16.add(x, s4), w);
    a = addProducts(fusedAdd, a, i8x16.add(x, s5), w);
    a = addProducts(fusedAdd, a, i8x16.add(x, s6), w);
    a = addProducts(fusedAdd, a, i8x16.add(x, s7), w);
    x = i8x16.add(x, s8);
  }
  return a;
}

/** {@link chain} with the fused dot-add into i32 lanes: the sum of the accumulator's lanes (wrapping). */
export function fused(n: i32, seed: i32): i32 {
  const a = chain(true, n, seed);
  return i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
}

/** {@link chain} with the products as i16 pair sums added in i16: one lane of the accumulator. */
export function pairs(n: i32, seed: i32): i32 {
  return i16x8.extract_lane_s(chain(false, n, seed), 0);
}

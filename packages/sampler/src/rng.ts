/**
 * Mersenne Twister (MT19937, 32-bit) and the floating-point draws libstdc++ makes from it, so a seed gives
 * the same numbers on every platform (and the same numbers as llama.cpp's `std::mt19937` for that seed).
 */

const N = 624;
const M = 397;
const TWO_POW_32 = 4294967296;

export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    this.seed(seed);
  }

  /** Re-seeds as `std::mt19937::seed(seed)`. */
  seed(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** The next 32-bit output. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `std::uniform_real_distribution<double>(0, 1)`: libstdc++'s `generate_canonical<double, 53>` (two draws). */
  nextDouble(): number {
    let sum = this.nextUint32();
    sum += this.nextUint32() * TWO_POW_32;
    const r = sum / (TWO_POW_32 * TWO_POW_32);
    return r >= 1 ? 1 - 2 ** -53 : r;
  }

  /** `std::uniform_real_distribution<float>(0, 1)`: one draw, computed in single precision. */
  nextFloat(): number {
    const r = Math.fround(Math.fround(this.nextUint32()) / TWO_POW_32);
    return r >= 1 ? 1 - 2 ** -24 : r;
  }

  /** A copy with the same state. */
  clone(): Mt19937 {
    const c = new Mt19937(0);
    c.mt.set(this.mt);
    c.index = this.index;
    return c;
  }
}

/** A random 32-bit seed from the platform's cryptographic generator (used when no seed is given). */
export function randomSeed(): number {
  const out = new Uint32Array(1);
  globalThis.crypto.getRandomValues(out);
  return out[0];
}

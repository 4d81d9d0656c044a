/**
 * Whether this engine runs `i32x4.relaxed_dot_i8x16_i7x16_add_s` as one instruction (x64 AVX-VNNI
 * `vpdpbusd`, arm64 `sdot`), which decides between the relaxed kernel build and its VNNI twin
 * (assembly/simd-dot.ts dotAdd): 10-20% faster products where the dot-add is one instruction, about 40%
 * slower where the engine emulates it (V8 12 and older), identical results either way. No engine says
 * which it does, so this times it (assembly/probe/dot-add.ts): a chain of dot-adds through one
 * accumulator takes the instruction's whole latency per step where it is one instruction, and only an
 * add's where it is emulated; the same products as i16 pair sums are the yardstick.
 *
 * Measured (one accumulator chain, `fused` / `pairs`, best of the rounds): Node 24 (V8 13.6) on an AMD
 * Zen 5 with AVX-VNNI 2.5; Node 22 (V8 12.4) and Node 20 (V8 11.3) 1.1-1.15. Before the optimizing tier
 * has compiled the probe (V8's baseline tier runs the first calls) the ratios are 1.4-1.6 either way, so
 * the verdict waits for a clear ratio and stays "no" when there is none.
 */
import { decodeBase64 } from './kernel-module.js';

/** The two probe functions (assembly/probe/dot-add.ts). */
export interface DotAddProbeExports {
  fused(n: number, seed: number): number;
  pairs(n: number, seed: number): number;
}

/** What the probe saw. */
export interface DotAddProbeResult {
  /** `fused` returned the right sum in every round (Node 20's V8 gets the dot-add wrong in its baseline tier). */
  readonly correct: boolean;
  /** Best time of the fused chain over best time of the pair-sum chain. */
  readonly ratio: number;
  /** Whether to use the VNNI build: correct, and the ratio at least {@link ONE_INSTRUCTION_RATIO}. */
  readonly oneInstruction: boolean;
}

/** Rounds per probe call: about 0.5 ms a call in optimized code, well above browsers' coarsest timer (0.1 ms). */
const ROUNDS_PER_CALL = 100_000;
const SEED = 0x105;
/** Calls of each function at most; the probe stops earlier once the ratio is clear. */
const MAX_CALLS = 40;
/** Calls of each before an early verdict (the optimizing tier takes a few calls to arrive). */
const MIN_CALLS = 10;
/**
 * The ratio above which the dot-add is taken to be one instruction: halfway between what the emulation
 * shows (1.1-1.15) and what one instruction shows (2.5), and above the baseline tier's 1.4-1.6.
 */
export const ONE_INSTRUCTION_RATIO = 1.8;

const toI8 = (v: number) => (v << 24) >> 24;

/** What `fused(n, seed)` must return, computed in plain integers. */
export function expectedFusedSum(n: number, seed: number): number {
  const w = seed & 63;
  const step = seed >> 8;
  let x = toI8(seed);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 8; k++) total = (total + 16 * w * toI8(x + step * k)) | 0; // 4 lanes x 4 products
    x = toI8(x + step * 8);
  }
  return total;
}

/** Times the probe's two functions (alternating calls, best of each) and checks every fused sum. */
export function measureDotAdd(
  probe: DotAddProbeExports,
  now: () => number = () => performance.now(),
): DotAddProbeResult {
  const want = expectedFusedSum(ROUNDS_PER_CALL, SEED);
  let fused = Number.POSITIVE_INFINITY;
  let pairs = Number.POSITIVE_INFINITY;
  for (let call = 0; call < MAX_CALLS; call++) {
    const t0 = now();
    const sum = probe.fused(ROUNDS_PER_CALL, SEED);
    const t1 = now();
    probe.pairs(ROUNDS_PER_CALL, SEED);
    const t2 = now();
    if (sum !== want) return { correct: false, ratio: Number.NaN, oneInstruction: false };
    fused = Math.min(fused, t1 - t0);
    pairs = Math.min(pairs, t2 - t1);
    if (call + 1 >= MIN_CALLS && fused >= 1.2 * ONE_INSTRUCTION_RATIO * pairs) break;
  }
  const ratio = pairs > 0 ? fused / pairs : Number.NaN;
  return { correct: true, ratio, oneInstruction: ratio >= ONE_INSTRUCTION_RATIO };
}

let verdict: Promise<DotAddProbeResult> | undefined;

/**
 * The probe's verdict for this engine (measured once per thread, about 20-40 ms, then cached). False
 * where relaxed SIMD is missing or the probe cannot be compiled.
 */
export function probeDotAdd(): Promise<DotAddProbeResult> {
  verdict ??= (async () => {
    const none = { correct: false, ratio: Number.NaN, oneInstruction: false };
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      const gen = await import('./generated/kernels.js');
      if (typeof gen.DOT_ADD_PROBE_BASE64 !== 'string') return none;
      bytes = decodeBase64(gen.DOT_ADD_PROBE_BASE64);
    } catch {
      return none;
    }
    if (!WebAssembly.validate(bytes)) return none;
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, {});
    return measureDotAdd(instance.exports as unknown as DotAddProbeExports);
  })();
  return verdict;
}

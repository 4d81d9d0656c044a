/**
 * Picks how the decode products (one to three tokens, assembly/matmul.ts mode 0) stream their weights,
 * by timing them on the model's own weights while it runs. Two choices change only the speed, never a
 * result, and which is faster depends on the CPU:
 * - `touch`: before computing rows, load one word of every cache line of the next rows in one burst
 *   (wasm has no prefetch instruction). On an Intel Xeon VM this streamed Q4_K, Q6_K and Q4_0 weights from
 *   memory 15-60% faster; on an AMD EPYC (Zen) VM it made the same products about 30% slower.
 * - `pairs`: two rows per pass sharing the activation loads (formats with `dot2`: Q4_K). A few percent
 *   faster with weights in cache, up to 20% slower from memory on the AMD VM.
 *
 * The first decode products of large weights cycle through the four combinations; once each has
 * {@link DecodeTuner.samplesPerVariant} timings, the one with the lowest median time per byte is kept for
 * the backend's lifetime (the plain one unless another is at least 3% faster). Small products (below {@link TUNED_MIN_BYTES}) are dominated by thread
 * start-up and use the plain variant throughout.
 */

/** How decode products stream weights (see the module comment). */
export interface DecodeVariant {
  readonly touch: boolean;
  readonly pairs: boolean;
}

/** `mode` bits of assembly/matmul.ts for the decode variants. */
export const MODE_TOUCH = 4;
export const MODE_PAIRS = 8;

/** Weights smaller than this are not timed for tuning (their products take tens of microseconds). */
export const TUNED_MIN_BYTES = 1 << 20;

/** How much faster (a fraction of its time per byte) another variant must be to replace the plain one. */
const PLAIN_MARGIN = 0.03;

/** The four variants, as mode bits, in the order the tuner cycles through them. */
const VARIANT_FLAGS = [0, MODE_TOUCH, MODE_PAIRS, MODE_TOUCH | MODE_PAIRS] as const;

/** The mode bits of a variant. */
export function variantFlags(v: DecodeVariant): number {
  return (v.touch ? MODE_TOUCH : 0) | (v.pairs ? MODE_PAIRS : 0);
}

/** The variant of mode bits. */
export function flagsVariant(flags: number): DecodeVariant {
  return { touch: (flags & MODE_TOUCH) !== 0, pairs: (flags & MODE_PAIRS) !== 0 };
}

/** What the tuner knows: the median nanoseconds per weight byte of each variant timed so far. */
export interface DecodeTuning {
  /** The variant in use from now on; undefined while still measuring. */
  readonly chosen: DecodeVariant | undefined;
  /** Whether it was measured (`'measured'`) or given in the options (`'fixed'`). */
  readonly source: 'measured' | 'fixed';
  readonly variants: readonly { variant: DecodeVariant; samples: number; nsPerByte: number | undefined }[];
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export class DecodeTuner {
  private readonly samples: number[][] = VARIANT_FLAGS.map(() => []);
  private turn = 0;
  private chosenFlags: number | undefined;
  private readonly source: 'measured' | 'fixed';

  /** `fixed`: use this variant and measure nothing. */
  constructor(
    fixed?: DecodeVariant,
    readonly samplesPerVariant = 32,
  ) {
    if (fixed) this.chosenFlags = variantFlags(fixed);
    this.source = fixed ? 'fixed' : 'measured';
  }

  /**
   * The mode bits for the next decode product over `bytes` of weights, and whether to time it (then
   * pass its duration to {@link record}).
   */
  next(bytes: number): { flags: number; timed: boolean } {
    if (this.chosenFlags !== undefined) return { flags: this.chosenFlags, timed: false };
    if (bytes < TUNED_MIN_BYTES) return { flags: 0, timed: false };
    const flags = VARIANT_FLAGS[this.turn];
    this.turn = (this.turn + 1) % VARIANT_FLAGS.length;
    return { flags, timed: true };
  }

  /** One timed product: `flags` from {@link next}, `bytes` of weights in `ms` milliseconds. */
  record(flags: number, bytes: number, ms: number): void {
    if (this.chosenFlags !== undefined) return;
    const i = VARIANT_FLAGS.indexOf(flags as (typeof VARIANT_FLAGS)[number]);
    if (i < 0 || bytes <= 0 || !(ms >= 0)) return;
    this.samples[i].push((ms * 1e6) / bytes);
    if (this.samples.every((s) => s.length >= this.samplesPerVariant)) {
      const medians = this.samples.map((s) => median(s)!);
      let best = 0;
      for (let k = 1; k < VARIANT_FLAGS.length; k++) if (medians[k] < medians[best]) best = k;
      // the plain variant unless another is clearly faster: where a variant cannot act (pairs with no
      // dot2 format among the weights) the medians differ by noise only
      this.chosenFlags = medians[0] <= medians[best] * (1 + PLAIN_MARGIN) ? 0 : VARIANT_FLAGS[best];
    }
  }

  /** What has been measured and chosen so far. */
  tuning(): DecodeTuning {
    return {
      chosen: this.chosenFlags === undefined ? undefined : flagsVariant(this.chosenFlags),
      source: this.source,
      variants: VARIANT_FLAGS.map((flags, i) => ({
        variant: flagsVariant(flags),
        samples: this.samples[i].length,
        nsPerByte: median(this.samples[i]),
      })),
    };
  }
}

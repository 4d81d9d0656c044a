/**
 * Sampler options (llama.cpp's `common_params_sampling`, in camelCase), their defaults and validation.
 */
import { SamplerOptionError } from './errors.js';

/** Stages of the chain, by llama.cpp's canonical names (`--samplers`). */
export type SamplerName =
  | 'penalties'
  | 'dry'
  | 'top_n_sigma'
  | 'top_k'
  | 'typ_p'
  | 'top_p'
  | 'min_p'
  | 'xtc'
  | 'temperature';

/** llama.cpp's default order. Logit bias always runs first and the final draw (dist/greedy/mirostat) last. */
export const DEFAULT_SAMPLER_ORDER: readonly SamplerName[] = [
  'penalties',
  'dry',
  'top_n_sigma',
  'top_k',
  'typ_p',
  'top_p',
  'min_p',
  'xtc',
  'temperature',
];

const NAME_ALIASES: Record<string, SamplerName> = {
  penalties: 'penalties',
  dry: 'dry',
  top_n_sigma: 'top_n_sigma',
  'top-n-sigma': 'top_n_sigma',
  top_k: 'top_k',
  'top-k': 'top_k',
  typ_p: 'typ_p',
  'typ-p': 'typ_p',
  typ: 'typ_p',
  typical: 'typ_p',
  'typical-p': 'typ_p',
  top_p: 'top_p',
  'top-p': 'top_p',
  nucleus: 'top_p',
  min_p: 'min_p',
  'min-p': 'min_p',
  xtc: 'xtc',
  temperature: 'temperature',
  temp: 'temperature',
};

/** llama.cpp's one-letter codes (`--sampling-seq edskypmxt`). */
const NAME_CHARS: Record<string, SamplerName> = {
  e: 'penalties',
  d: 'dry',
  s: 'top_n_sigma',
  k: 'top_k',
  y: 'typ_p',
  p: 'top_p',
  m: 'min_p',
  x: 'xtc',
  t: 'temperature',
};

export interface SamplerOptions {
  /** Generator seed (uint32). Default: a random seed (see `sampler.seed`). */
  readonly seed?: number;
  /** Temperature; `<= 0` means greedy. Default 0.8. */
  readonly temperature?: number;
  /** Dynamic temperature range (0 = off). Default 0. */
  readonly dynatempRange?: number;
  /** Dynamic temperature exponent. Default 1. */
  readonly dynatempExponent?: number;
  /** Keep the k most likely tokens (0 = off). Default 40. */
  readonly topK?: number;
  /** Nucleus probability (1 = off). Default 0.95. */
  readonly topP?: number;
  /** Minimum probability relative to the most likely token (0 = off). Default 0.05. */
  readonly minP?: number;
  /** Locally typical sampling (1 = off). Default 1. */
  readonly typicalP?: number;
  /** Top-nσ (<= 0 = off). Default -1. */
  readonly topNSigma?: number;
  /** XTC probability (0 = off). Default 0. */
  readonly xtcProbability?: number;
  /** XTC threshold (> 0.5 = off). Default 0.1. */
  readonly xtcThreshold?: number;
  /** Minimum candidates kept by top-p, min-p, typical and XTC. Default 0. */
  readonly minKeep?: number;
  /** Repetition penalty (1 = off). Default 1. */
  readonly repeatPenalty?: number;
  /** Frequency penalty (0 = off). Default 0. */
  readonly frequencyPenalty?: number;
  /** Presence penalty (0 = off). Default 0. */
  readonly presencePenalty?: number;
  /** Tokens of history the penalties look at (0 = off, -1 = contextSize). Default 64. */
  readonly penaltyLastN?: number;
  /** DRY multiplier (0 = off). Default 0. */
  readonly dryMultiplier?: number;
  /** DRY base. Default 1.75. */
  readonly dryBase?: number;
  /** DRY allowed repetition length. Default 2. */
  readonly dryAllowedLength?: number;
  /** DRY history (0 = off, -1 = contextSize). Default -1. */
  readonly dryPenaltyLastN?: number;
  /** DRY sequence breakers (strings; need `vocab`). Default ["\n", ":", "\"", "*"]. */
  readonly drySequenceBreakers?: readonly string[];
  /** DRY sequence breakers given directly as token sequences (used instead of the strings when set). */
  readonly drySequenceBreakerTokens?: readonly (readonly number[])[];
  /** 0 = off, 1 = Mirostat, 2 = Mirostat 2.0 (replaces the chain by temperature + mirostat). Default 0. */
  readonly mirostat?: 0 | 1 | 2;
  /** Mirostat target surprise. Default 5. */
  readonly mirostatTau?: number;
  /** Mirostat learning rate. Default 0.1. */
  readonly mirostatEta?: number;
  /** Bias added to token logits: `{ [id]: bias }`, a Map, or `[id, bias]` pairs. `-Infinity` bans a token. */
  readonly logitBias?:
    | Readonly<Record<number, number>>
    | ReadonlyMap<number, number>
    | readonly (readonly [number, number])[];
  /** Ban end-of-generation tokens (`vocab.eog`). Default false. */
  readonly ignoreEos?: boolean;
  /**
   * Chain order, as names (`['top_k', 'temperature']`), a `;`-separated string, or llama.cpp's letters
   * (`'kt'`). Default {@link DEFAULT_SAMPLER_ORDER}.
   */
  readonly samplers?: readonly string[] | string;
  /** Context size, for `penaltyLastN = -1` and `dryPenaltyLastN = -1`. Default 4096. */
  readonly contextSize?: number;
}

export interface ResolvedOptions {
  seed: number | undefined;
  temperature: number;
  dynatempRange: number;
  dynatempExponent: number;
  topK: number;
  topP: number;
  minP: number;
  typicalP: number;
  topNSigma: number;
  xtcProbability: number;
  xtcThreshold: number;
  minKeep: number;
  repeatPenalty: number;
  frequencyPenalty: number;
  presencePenalty: number;
  penaltyLastN: number;
  dryMultiplier: number;
  dryBase: number;
  dryAllowedLength: number;
  dryPenaltyLastN: number;
  drySequenceBreakers: readonly string[];
  drySequenceBreakerTokens: readonly (readonly number[])[] | undefined;
  mirostat: 0 | 1 | 2;
  mirostatTau: number;
  mirostatEta: number;
  logitBias: Map<number, number>;
  ignoreEos: boolean;
  samplers: SamplerName[];
  contextSize: number;
}

/** llama.cpp's defaults. */
export const DEFAULT_SAMPLER_OPTIONS = {
  temperature: 0.8,
  dynatempRange: 0,
  dynatempExponent: 1,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  typicalP: 1,
  topNSigma: -1,
  xtcProbability: 0,
  xtcThreshold: 0.1,
  minKeep: 0,
  repeatPenalty: 1,
  frequencyPenalty: 0,
  presencePenalty: 0,
  penaltyLastN: 64,
  dryMultiplier: 0,
  dryBase: 1.75,
  dryAllowedLength: 2,
  dryPenaltyLastN: -1,
  drySequenceBreakers: ['\n', ':', '"', '*'] as readonly string[],
  mirostat: 0 as 0 | 1 | 2,
  mirostatTau: 5,
  mirostatEta: 0.1,
  contextSize: 4096,
} as const;

type Check = (v: number) => boolean;

function num(options: SamplerOptions, key: keyof typeof DEFAULT_SAMPLER_OPTIONS, ok: Check, expected: string): number {
  const raw = (options as Record<string, unknown>)[key];
  const v = raw === undefined ? (DEFAULT_SAMPLER_OPTIONS[key] as number) : raw;
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) throw new SamplerOptionError(key, raw, expected);
  return v;
}

const finite: Check = (v) => Number.isFinite(v);
const unit: Check = (v) => v >= 0 && v <= 1;
const nonNegInt: Check = (v) => Number.isInteger(v) && v >= 0;
const lastN: Check = (v) => Number.isInteger(v) && v >= -1;

/** Parses a `samplers` option into canonical names. */
export function parseSamplerNames(spec: readonly string[] | string): SamplerName[] {
  let names: string[];
  if (typeof spec === 'string') {
    const isLetters = /^[a-z]+$/.test(spec) && [...spec].every((ch) => ch in NAME_CHARS) && !(spec in NAME_ALIASES);
    names = isLetters ? [...spec].map((ch) => NAME_CHARS[ch]) : spec.split(/[;,\s]+/).filter(Boolean);
  } else {
    names = [...spec];
  }
  return names.map((n) => {
    const name = NAME_ALIASES[n.toLowerCase()];
    if (!name) {
      throw new SamplerOptionError('samplers', spec, `names among ${Object.keys(NAME_ALIASES).join(', ')}`);
    }
    return name;
  });
}

function logitBiasMap(raw: SamplerOptions['logitBias'], vocabSize: number | undefined): Map<number, number> {
  const out = new Map<number, number>();
  if (raw === undefined) return out;
  const entries: Iterable<readonly [number | string, number]> =
    raw instanceof Map ? raw.entries() : Array.isArray(raw) ? raw : Object.entries(raw as Record<string, number>);
  for (const [k, bias] of entries) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 0 || (vocabSize !== undefined && id >= vocabSize)) {
      throw new SamplerOptionError(`logitBias[${k}]`, bias, `a token id in [0, ${vocabSize ?? 'vocab size'})`);
    }
    if (typeof bias !== 'number' || Number.isNaN(bias) || bias === Number.POSITIVE_INFINITY) {
      throw new SamplerOptionError(`logitBias[${k}]`, bias, 'a finite number or -Infinity');
    }
    out.set(id, (out.get(id) ?? 0) + bias);
  }
  return out;
}

/** Fills defaults and checks every option; throws {@link SamplerOptionError} naming the first bad one. */
export function resolveOptions(options: SamplerOptions, vocabSize?: number): ResolvedOptions {
  const seed = options.seed;
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new SamplerOptionError('seed', seed, 'an integer in [0, 4294967295]');
  }
  const mirostat = options.mirostat ?? 0;
  if (mirostat !== 0 && mirostat !== 1 && mirostat !== 2)
    throw new SamplerOptionError('mirostat', mirostat, '0, 1 or 2');
  const breakers = options.drySequenceBreakers ?? DEFAULT_SAMPLER_OPTIONS.drySequenceBreakers;
  if (!Array.isArray(breakers) || breakers.some((b) => typeof b !== 'string')) {
    throw new SamplerOptionError('drySequenceBreakers', breakers, 'an array of strings');
  }
  const breakerTokens = options.drySequenceBreakerTokens;
  if (
    breakerTokens !== undefined &&
    !breakerTokens.every((s) => s.length > 0 && s.every((t) => Number.isInteger(t) && t >= 0))
  ) {
    throw new SamplerOptionError('drySequenceBreakerTokens', breakerTokens, 'non-empty arrays of token ids');
  }
  return {
    seed,
    temperature: num(options, 'temperature', finite, 'a finite number (<= 0 means greedy)'),
    dynatempRange: num(options, 'dynatempRange', (v) => v >= 0 && Number.isFinite(v), 'a number >= 0'),
    dynatempExponent: num(options, 'dynatempExponent', (v) => v > 0 && Number.isFinite(v), 'a number > 0'),
    topK: num(options, 'topK', nonNegInt, 'an integer >= 0 (0 disables top-k)'),
    topP: num(options, 'topP', unit, 'a number in [0, 1] (1 disables top-p)'),
    minP: num(options, 'minP', unit, 'a number in [0, 1] (0 disables min-p)'),
    typicalP: num(options, 'typicalP', unit, 'a number in [0, 1] (1 disables typical sampling)'),
    topNSigma: num(options, 'topNSigma', finite, 'a finite number (<= 0 disables top-nσ)'),
    xtcProbability: num(options, 'xtcProbability', unit, 'a number in [0, 1]'),
    xtcThreshold: num(options, 'xtcThreshold', unit, 'a number in [0, 1] (> 0.5 disables XTC)'),
    minKeep: num(options, 'minKeep', nonNegInt, 'an integer >= 0'),
    repeatPenalty: num(options, 'repeatPenalty', (v) => v > 0 && Number.isFinite(v), 'a number > 0 (1 disables it)'),
    frequencyPenalty: num(options, 'frequencyPenalty', finite, 'a finite number'),
    presencePenalty: num(options, 'presencePenalty', finite, 'a finite number'),
    penaltyLastN: num(options, 'penaltyLastN', lastN, 'an integer >= -1 (-1 = context size, 0 = off)'),
    dryMultiplier: num(options, 'dryMultiplier', (v) => v >= 0 && Number.isFinite(v), 'a number >= 0'),
    dryBase: num(options, 'dryBase', (v) => v >= 1 && Number.isFinite(v), 'a number >= 1'),
    dryAllowedLength: num(options, 'dryAllowedLength', nonNegInt, 'an integer >= 0'),
    dryPenaltyLastN: num(options, 'dryPenaltyLastN', lastN, 'an integer >= -1 (-1 = context size, 0 = off)'),
    drySequenceBreakers: breakers,
    drySequenceBreakerTokens: breakerTokens,
    mirostat,
    mirostatTau: num(options, 'mirostatTau', (v) => v > 0 && Number.isFinite(v), 'a number > 0'),
    mirostatEta: num(options, 'mirostatEta', (v) => v > 0 && Number.isFinite(v), 'a number > 0'),
    logitBias: logitBiasMap(options.logitBias, vocabSize),
    ignoreEos: options.ignoreEos ?? false,
    samplers: options.samplers === undefined ? [...DEFAULT_SAMPLER_ORDER] : parseSamplerNames(options.samplers),
    contextSize: num(options, 'contextSize', (v) => Number.isInteger(v) && v > 0, 'a positive integer'),
  };
}

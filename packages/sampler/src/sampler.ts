/**
 * `createSampler`: llama.cpp's sampling chain (common_sampler) over a logits vector, with optional grammar
 * constraints.
 *
 * Per token: logit bias → the configured stages (default order: penalties, DRY, top-nσ, top-k, typical, top-p,
 * min-p, XTC, temperature) → a seeded draw (`dist`; greedy when temperature <= 0), or temperature → Mirostat
 * when `mirostat` is set. With a grammar, the unconstrained choice is checked first and, only if the grammar
 * rejects it, the grammar mask is applied to the full vocabulary and the chain runs again (llama.cpp's
 * rejection sampling), so the mask is rarely needed when the model follows the grammar.
 */
import { Candidates } from './candidates.js';
import { GrammarError, SamplerOptionError } from './errors.js';
import { Grammar } from './grammar/grammar.js';
import type { JsonSchemaOptions } from './grammar/json-schema.js';
import type { GrammarMatcher } from './grammar/matcher.js';
import { type PreparedVocab, prepareVocab, type SamplerVocab } from './grammar/vocab.js';
import { logprobsOf, type SampledToken } from './logprobs.js';
import { type ResolvedOptions, resolveOptions, type SamplerName, type SamplerOptions } from './options.js';
import { Mt19937, randomSeed } from './rng.js';
import { type DryBreakers, DryStage, dryBreakersFromStrings } from './stages/dry.js';
import { LogitBiasStage } from './stages/logit-bias.js';
import { MinPStage } from './stages/min-p.js';
import { MirostatV1, MirostatV2, type Selector } from './stages/mirostat.js';
import { PenaltiesStage } from './stages/penalties.js';
import { selectDist, selectGreedy } from './stages/select.js';
import type { Stage } from './stages/stage.js';
import { TemperatureStage } from './stages/temperature.js';
import { TopKStage } from './stages/top-k.js';
import { TopNSigmaStage } from './stages/top-n-sigma.js';
import { TopPStage } from './stages/top-p.js';
import { TypicalStage } from './stages/typical.js';
import { XtcStage } from './stages/xtc.js';

export interface CreateSamplerOptions extends SamplerOptions {
  /** The vocabulary: required for grammars and JSON schemas, DRY sequence breakers and `ignoreEos`. */
  readonly vocab?: SamplerVocab;
  /** A GBNF grammar (text or compiled) the output must match. */
  readonly grammar?: string | Grammar;
  /** A JSON schema the output must match (converted to a grammar). */
  readonly jsonSchema?: unknown;
  /** Options for the JSON schema conversion. */
  readonly jsonSchemaOptions?: JsonSchemaOptions;
  /** Apply the grammar mask before the chain every time instead of checking the sampled token first. */
  readonly grammarFirst?: boolean;
}

export interface SampleOptions {
  /** Also return log-probabilities of the chosen token and of the `topLogprobs` most likely tokens. */
  readonly topLogprobs?: number;
}

export interface Sampler {
  /** The seed in use (the given one, or the random one drawn when none was given). */
  readonly seed: number;
  readonly options: Readonly<ResolvedOptions>;
  /** The grammar position, when the sampler is constrained. */
  readonly grammar: GrammarMatcher | undefined;
  /** Picks the next token from `logits` ([n_vocab]). Does not change history: call {@link accept} with it. */
  sample(logits: Float32Array): number;
  /** Like `sample`, with log-probabilities from the unmodified logits (see `logprobsOf`). */
  sampleDetailed(logits: Float32Array, options?: SampleOptions): SampledToken;
  /** Appends a generated token: updates penalties/DRY history and advances the grammar. */
  accept(token: number): void;
  /** Adds prompt tokens to the penalty/DRY history only (the grammar constrains generated text). */
  acceptPrompt(tokens: Iterable<number>): void;
  /** Forgets history, restarts the grammar and re-seeds the generator. */
  reset(): void;
}

class ChainSampler implements Sampler {
  readonly seed: number;
  readonly grammar: GrammarMatcher | undefined;
  private readonly rng: Mt19937;
  private readonly stages: Stage[] = [];
  private readonly selector: Selector;
  private candidates: Candidates;
  private readonly vocab: PreparedVocab | undefined;
  private logprobScratch: Int32Array | undefined;

  constructor(
    readonly options: ResolvedOptions,
    init: CreateSamplerOptions,
  ) {
    this.seed = options.seed ?? randomSeed();
    this.rng = new Mt19937(this.seed);
    this.vocab = init.vocab ? prepareVocab(init.vocab) : undefined;
    this.candidates = new Candidates(this.vocab?.size ?? 0);

    const bias = new Map(options.logitBias);
    if (options.ignoreEos) {
      if (!this.vocab) throw new SamplerOptionError('vocab', undefined, 'a vocabulary when ignoreEos is set');
      for (const id of this.vocab.eog) bias.set(id, Number.NEGATIVE_INFINITY);
    }
    if (bias.size > 0) this.stages.push(new LogitBiasStage(bias));

    const o = options;
    if (o.mirostat === 0) {
      for (const name of o.samplers) this.stages.push(this.stage(name));
      this.selector =
        o.temperature <= 0 && o.dynatempRange <= 0
          ? { name: 'greedy', select: selectGreedy }
          : { name: 'dist', select: (c) => selectDist(c, this.rng) };
    } else {
      this.stages.push(new TemperatureStage(o.temperature));
      this.selector =
        o.mirostat === 1
          ? new MirostatV1(this.vocab?.size ?? 0, o.mirostatTau, o.mirostatEta, 100, this.rng)
          : new MirostatV2(o.mirostatTau, o.mirostatEta, this.rng);
    }

    const grammar = this.grammarFrom(init);
    if (grammar) {
      if (!this.vocab)
        throw new SamplerOptionError('vocab', undefined, 'a vocabulary when a grammar or JSON schema is set');
      this.grammar = grammar.matcher(this.vocab);
    }
    this.grammarFirst = init.grammarFirst ?? false;
  }

  private readonly grammarFirst: boolean;

  private grammarFrom(init: CreateSamplerOptions): Grammar | undefined {
    if (init.grammar !== undefined && init.jsonSchema !== undefined) {
      throw new SamplerOptionError('jsonSchema', '(schema)', 'not both grammar and jsonSchema');
    }
    if (init.grammar instanceof Grammar) return init.grammar;
    if (typeof init.grammar === 'string') return Grammar.fromGbnf(init.grammar);
    if (init.grammar !== undefined) throw new SamplerOptionError('grammar', init.grammar, 'GBNF text or a Grammar');
    if (init.jsonSchema !== undefined) return Grammar.fromJsonSchema(init.jsonSchema, init.jsonSchemaOptions);
    return undefined;
  }

  private stage(name: SamplerName): Stage {
    const o = this.options;
    switch (name) {
      case 'penalties': {
        const lastN = o.penaltyLastN === -1 ? o.contextSize : o.penaltyLastN;
        return new PenaltiesStage(lastN, o.repeatPenalty, o.frequencyPenalty, o.presencePenalty);
      }
      case 'dry':
        return new DryStage(
          o.dryMultiplier,
          o.dryBase,
          o.dryAllowedLength,
          o.dryPenaltyLastN,
          o.contextSize,
          this.dryBreakers(),
        );
      case 'top_n_sigma':
        return new TopNSigmaStage(o.topNSigma);
      case 'top_k':
        return new TopKStage(o.topK);
      case 'typ_p':
        return new TypicalStage(o.typicalP, o.minKeep);
      case 'top_p':
        return new TopPStage(o.topP, o.minKeep);
      case 'min_p':
        return new MinPStage(o.minP, o.minKeep);
      case 'xtc':
        return new XtcStage(o.xtcProbability, o.xtcThreshold, o.minKeep, this.rng);
      case 'temperature':
        return new TemperatureStage(o.temperature, o.dynatempRange, o.dynatempExponent);
    }
  }

  private dryBreakers(): DryBreakers {
    const o = this.options;
    if (o.drySequenceBreakerTokens) {
      const out: DryBreakers = new Map();
      for (const seq of o.drySequenceBreakerTokens) {
        const list = out.get(seq[0]) ?? [];
        list.push([...seq.slice(1)]);
        out.set(seq[0], list);
      }
      return out;
    }
    if (o.dryMultiplier === 0 || o.dryPenaltyLastN === 0 || o.drySequenceBreakers.length === 0 || !this.vocab) {
      return new Map();
    }
    return dryBreakersFromStrings(o.drySequenceBreakers, this.vocab.texts(), this.vocab.tokenize);
  }

  private checkLogits(logits: Float32Array): void {
    if (!(logits instanceof Float32Array)) throw new SamplerOptionError('logits', typeof logits, 'a Float32Array');
    if (this.vocab && logits.length !== this.vocab.size) {
      throw new SamplerOptionError('logits.length', logits.length, `the vocabulary size ${this.vocab.size}`);
    }
    if (logits.length === 0) throw new SamplerOptionError('logits.length', 0, 'at least one logit');
    if (this.candidates.capacity < logits.length) this.candidates = new Candidates(logits.length);
  }

  private runChain(c: Candidates): number {
    for (const s of this.stages) s.apply(c);
    this.selector.select(c);
    if (c.selected < 0) throw new GrammarError('No token can be sampled: every candidate was removed.');
    return c.ids[c.selected];
  }

  /** Sets every token the grammar rejects to -Infinity. */
  private applyGrammar(c: Candidates, matcher: GrammarMatcher): void {
    const mask = matcher.mask();
    let alive = 0;
    for (let i = 0; i < c.size; i++) {
      const id = c.ids[i];
      if ((mask[id >>> 5] >>> (id & 31)) & 1) {
        if (c.logits[i] !== Number.NEGATIVE_INFINITY) alive++;
      } else c.logits[i] = Number.NEGATIVE_INFINITY;
    }
    if (alive === 0) {
      throw new GrammarError(
        'No token of the vocabulary can continue the grammar here (or every allowed token has a logit of -Infinity).',
      );
    }
  }

  sample(logits: Float32Array): number {
    this.checkLogits(logits);
    const c = this.candidates;
    const matcher = this.grammar;
    c.load(logits);
    if (matcher && this.grammarFirst) {
      this.applyGrammar(c, matcher);
      return this.runChain(c);
    }
    const token = this.runChain(c);
    if (!matcher || matcher.allows(token)) return token;
    c.load(logits);
    this.applyGrammar(c, matcher);
    return this.runChain(c);
  }

  sampleDetailed(logits: Float32Array, options: SampleOptions = {}): SampledToken {
    const token = this.sample(logits);
    const topN = options.topLogprobs ?? 0;
    if (!Number.isInteger(topN) || topN < 0) throw new SamplerOptionError('topLogprobs', topN, 'an integer >= 0');
    if (!this.logprobScratch || this.logprobScratch.length < logits.length)
      this.logprobScratch = new Int32Array(logits.length);
    return logprobsOf(logits, token, topN, this.logprobScratch);
  }

  accept(token: number): void {
    this.grammar?.accept(token);
    for (const s of this.stages) s.accept?.(token);
  }

  acceptPrompt(tokens: Iterable<number>): void {
    for (const t of tokens) for (const s of this.stages) s.accept?.(t);
  }

  reset(): void {
    this.rng.seed(this.seed);
    for (const s of this.stages) s.reset?.();
    this.selector.reset?.();
    this.grammar?.reset();
  }
}

/**
 * Creates a sampler. Options not given take llama.cpp's defaults (temperature 0.8, top-k 40, top-p 0.95,
 * min-p 0.05, ...; see `DEFAULT_SAMPLER_OPTIONS`).
 * @throws SamplerOptionError naming the first invalid option; GrammarSyntaxError / JsonSchemaError for a bad
 * grammar or schema.
 * @example
 * const sampler = createSampler({ seed: 42, temperature: 0.7 });
 * const token = sampler.sample(logits);
 * sampler.accept(token);
 */
export function createSampler(options: CreateSamplerOptions = {}): Sampler {
  const vocabSize = options.vocab?.pieces.length;
  return new ChainSampler(resolveOptions(options, vocabSize), options);
}

export { Candidates } from './candidates.js';
export {
  GrammarError,
  GrammarRejectedTokenError,
  GrammarSyntaxError,
  JsonSchemaError,
  SamplerError,
  SamplerOptionError,
} from './errors.js';
export { GrammarAutomaton } from './grammar/automaton.js';
export { type ParsedGrammar, parseGbnf } from './grammar/gbnf-parser.js';
export { Grammar, type GrammarOptions } from './grammar/grammar.js';
export { gbnfLiteral, type JsonSchemaOptions, jsonSchemaToGbnf } from './grammar/json-schema.js';
export { GrammarMatcher, type TokenMask } from './grammar/matcher.js';
export { type PreparedVocab, prepareVocab, type SamplerVocab } from './grammar/vocab.js';
export { logprobsOf, type SampledToken, type TokenLogprob } from './logprobs.js';
export {
  DEFAULT_SAMPLER_OPTIONS,
  DEFAULT_SAMPLER_ORDER,
  parseSamplerNames,
  type SamplerName,
  type SamplerOptions,
} from './options.js';
export { Mt19937 } from './rng.js';
export { type CreateSamplerOptions, createSampler, type SampleOptions, type Sampler } from './sampler.js';

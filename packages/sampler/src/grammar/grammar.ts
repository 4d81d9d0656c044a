/**
 * `Grammar`: a compiled GBNF grammar (or JSON schema), shareable between samplers and vocabularies.
 */
import { GrammarAutomaton } from './automaton.js';
import { parseGbnf } from './gbnf-parser.js';
import { type JsonSchemaOptions, jsonSchemaToGbnf } from './json-schema.js';
import { GrammarMatcher, MaskCache } from './matcher.js';
import { type PreparedVocab, prepareVocab, type SamplerVocab } from './vocab.js';

export interface GrammarOptions {
  /** Start rule. Default `root`. */
  readonly root?: string;
  /** Masks kept per vocabulary (each is vocabSize / 8 bytes). Default 256. */
  readonly maskCacheSize?: number;
}

export class Grammar {
  private readonly caches = new WeakMap<PreparedVocab, MaskCache>();
  readonly automaton: GrammarAutomaton;

  private constructor(
    /** The GBNF text. */
    readonly gbnf: string,
    private readonly options: GrammarOptions,
  ) {
    this.automaton = new GrammarAutomaton(parseGbnf(gbnf), options.root ?? 'root');
  }

  /**
   * Compiles GBNF text.
   * @throws GrammarSyntaxError (with line and column) or GrammarError (missing root, left recursion).
   */
  static fromGbnf(text: string, options: GrammarOptions = {}): Grammar {
    return new Grammar(text, options);
  }

  /** Compiles a JSON schema (converted to GBNF by {@link jsonSchemaToGbnf}). */
  static fromJsonSchema(schema: unknown, options: GrammarOptions & JsonSchemaOptions = {}): Grammar {
    return new Grammar(jsonSchemaToGbnf(schema, options), options);
  }

  /** A matcher at the start of the grammar, for `vocab`. */
  matcher(vocab: SamplerVocab | PreparedVocab): GrammarMatcher {
    const prepared = 'isEog' in vocab ? vocab : prepareVocab(vocab);
    let cache = this.caches.get(prepared);
    if (!cache) {
      cache = new MaskCache(this.options.maskCacheSize ?? 256);
      this.caches.set(prepared, cache);
    }
    return new GrammarMatcher(this.automaton, prepared, cache);
  }
}

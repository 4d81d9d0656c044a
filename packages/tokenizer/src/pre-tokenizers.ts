/**
 * Byte-level BPE pre-tokenizers, chosen by `tokenizer.ggml.pre` exactly as llama.cpp's `llama_vocab::load`
 * and `llm_tokenizer_bpe` choose them: the regex list of each pre-tokenizer type, and the flags that come
 * with the type (ignore merges for whole-token words, add BOS by default, clean spaces on detokenize).
 * The regexes are llama.cpp's strings; those it has hand-written splitters for use the same splitters here.
 */
import { regexSplitter } from './regex-splitter.js';
import { llama3Splitter, type Splitter, splitGpt2, splitNewlines } from './splitters.js';
import { type CodePoints, CpFlag, cpFlagTable } from './unicode.js';

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const CONTRACTIONS_I = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const LLAMA3 = `${CONTRACTIONS_I}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN2 = `${CONTRACTIONS_I}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN35 = `${CONTRACTIONS_I}|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const NEWLINES = '[^\\n]+|[\\n]+';
const PORO = ' ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+';
const CJK = '[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+';
const TEKKEN_WORDS =
  '[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*';

/** Regex lists per llama.cpp pre-tokenizer type (`LLAMA_VOCAB_PRE_TYPE_*`). */
const REGEXES = {
  default: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'],
  llama3: [LLAMA3],
  deepseekLlm: [
    '[\r\n]',
    '\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\u{10400}-\u{1044f}\u{104b0}-\u{104d3}\u{104d8}-\u{104fb}\u{10c80}-\u{10cb2}\u{10cc0}-\u{10cf2}\u{118a0}-\u{118df}\u{1e900}-\u{1e943}]+',
    '\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+',
    '\\s+$',
    CJK,
    '\\p{N}+',
  ],
  deepseek3: [
    '\\p{N}{1,3}',
    '[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+',
    '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+',
  ],
  deepseekCoder: ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', CJK, '\\p{N}'],
  falcon: ['[\\p{P}\\$\\+<=>\\^~\\|`]+', GPT2, '[0-9][0-9][0-9]'],
  starcoder: ['\\p{N}', GPT2],
  gpt2: [GPT2],
  qwen2: [QWEN2],
  qwen35: [QWEN35],
  poro: [PORO],
  chatglm4: [LLAMA3],
  viking: [PORO, '\\p{N}'],
  tekken: [`${TEKKEN_WORDS}|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`],
  gpt4o: [
    `[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:${CONTRACTIONS_I.slice(3, -1)})?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:${CONTRACTIONS_I.slice(3, -1)})?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  ],
  seedCoder: [
    `${CONTRACTIONS_I}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  ],
  bailingmoe: [
    "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
  ],
  minicpm5: [
    '\\p{N}{1,3}',
    `${CONTRACTIONS_I}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  ],
} satisfies Record<string, readonly string[]>;

type RegexSet = keyof typeof REGEXES;

/** What a `tokenizer.ggml.pre` name selects in llama.cpp. */
export interface PreTokenizerType {
  readonly regexes: RegexSet;
  /** A word that is itself a token is not merged from its bytes (LLaMA 3 style). */
  readonly ignoreMerges?: boolean;
  /** Default for `add_bos_token` when the file does not say. */
  readonly addBos?: boolean;
  /** Default for llama.cpp's detokenizer space clean-up (`clean_spaces`); true when not given. */
  readonly cleanSpaces?: boolean;
  /** llama.cpp has no BOS for this type (ChatGLM). */
  readonly noBos?: boolean;
}

const NO_CLEAN = { cleanSpaces: false } as const;
const t = (regexes: RegexSet, extra: Omit<PreTokenizerType, 'regexes'> = {}): PreTokenizerType => ({
  regexes,
  ...extra,
});
const LLAMA3_TYPE = t('llama3', { ignoreMerges: true, addBos: true });

/** `tokenizer.ggml.pre` names llama.cpp knows, with their types (llama.cpp's `llama_vocab::impl::load`). */
const PRE_TYPES: Record<string, PreTokenizerType> = {
  default: t('default'),
  llama3: LLAMA3_TYPE,
  'llama-v3': LLAMA3_TYPE,
  'llama-bpe': LLAMA3_TYPE,
  falcon3: LLAMA3_TYPE,
  'falcon-h1': LLAMA3_TYPE,
  pixtral: LLAMA3_TYPE,
  'midm-2.0': LLAMA3_TYPE,
  lfm2: LLAMA3_TYPE,
  'jina-v5-nano': LLAMA3_TYPE,
  'deepseek-llm': t('deepseekLlm', NO_CLEAN),
  'deepseek-coder': t('deepseekCoder', NO_CLEAN),
  'deepseek-v3': t('deepseek3', NO_CLEAN),
  falcon: t('falcon'),
  mpt: t('gpt2'),
  starcoder: t('starcoder'),
  'gpt-2': t('gpt2'),
  'phi-2': t('gpt2'),
  'jina-es': t('gpt2'),
  'jina-de': t('gpt2'),
  gigachat: t('gpt2'),
  'jina-v2-es': t('gpt2'),
  'jina-v2-de': t('gpt2'),
  'a.x-4.0': t('gpt2'),
  mellum: t('gpt2'),
  'modern-bert': t('gpt2'),
  exaone4: t('gpt2'),
  olmo: t('gpt2'),
  jais: t('gpt2'),
  trillion: t('gpt2', NO_CLEAN),
  'granite-docling': t('gpt2', NO_CLEAN),
  refact: t('starcoder'),
  'command-r': t('starcoder', NO_CLEAN),
  smollm: t('starcoder', NO_CLEAN),
  codeshell: t('starcoder'),
  exaone: t('starcoder'),
  'minerva-7b': t('starcoder'),
  mellum2: t('starcoder'),
  qwen2: t('qwen2', NO_CLEAN),
  'deepseek-r1-qwen': t('qwen2', NO_CLEAN),
  kormo: t('qwen2', NO_CLEAN),
  f2llmv2: t('qwen2', NO_CLEAN),
  megrez: t('qwen2'),
  stablelm2: t('qwen2'),
  hunyuan: t('qwen2', NO_CLEAN),
  'solar-open': t('qwen2', NO_CLEAN),
  'grok-2': t('qwen2', NO_CLEAN),
  qwen35: t('qwen35', NO_CLEAN),
  dbrx: t('llama3'),
  'smaug-bpe': t('llama3'),
  'poro-chat': t('poro', NO_CLEAN),
  bloom: t('poro'),
  'gpt3-finnish': t('poro'),
  glm4: t('chatglm4', { noBos: true }),
  'chatglm-bpe': t('chatglm4', { noBos: true }),
  viking: t('viking', NO_CLEAN),
  tekken: t('tekken', { cleanSpaces: false, ignoreMerges: true, addBos: true }),
  'gpt-4o': t('gpt4o', NO_CLEAN),
  llama4: t('gpt4o', NO_CLEAN),
  kanana2: t('gpt4o', NO_CLEAN),
  talkie: t('gpt4o', NO_CLEAN),
  'seed-coder': t('seedCoder', NO_CLEAN),
  bailingmoe: t('bailingmoe', NO_CLEAN),
  bailingmoe2: t('bailingmoe', NO_CLEAN),
  'llada-moe': t('bailingmoe', NO_CLEAN),
  minicpm5: t('minicpm5', { ignoreMerges: true }),
  'hunyuan-dense': t('deepseek3', NO_CLEAN),
  'joyai-llm': t('deepseek3', NO_CLEAN),
  hy_v4: t('deepseek3', NO_CLEAN),
};

/** The `tokenizer.ggml.pre` names this package tokenizes as llama.cpp does. */
export function knownPreTokenizers(): string[] {
  return Object.keys(PRE_TYPES);
}

/** The type for a pre-tokenizer name, or undefined when llama.cpp would not know it. */
export function preTokenizerType(name: string): PreTokenizerType | undefined {
  return Object.hasOwn(PRE_TYPES, name) ? PRE_TYPES[name] : undefined;
}

/** GPT-2's rules, used for names llama.cpp does not know (llama.cpp itself refuses such files). */
export const FALLBACK_PRE_TYPE: PreTokenizerType = t('gpt2');

/** A splitter for one of llama.cpp's regex strings: its hand-written one where it has one. */
function splitterFor(pattern: string): Splitter {
  if (pattern === GPT2) return splitGpt2;
  if (pattern === LLAMA3) return llama3Splitter(3, CpFlag.Letter);
  if (pattern === QWEN2) return llama3Splitter(1, CpFlag.Letter);
  if (pattern === QWEN35) return llama3Splitter(1, CpFlag.Letter | CpFlag.Mark);
  if (pattern === NEWLINES) return splitNewlines;
  return regexSplitter(pattern);
}

/** Splits text into words: each regex of the list splits every piece the previous one left. */
export class PreTokenizer {
  private readonly splitters: Splitter[];
  private readonly flags = cpFlagTable();

  constructor(readonly type: PreTokenizerType) {
    this.splitters = REGEXES[type.regexes].map(splitterFor);
  }

  /** Word boundaries of `text` as code point end offsets, in order. */
  split(text: CodePoints): number[] {
    let ends = [text.n];
    for (const split of this.splitters) {
      const next: number[] = [];
      let start = 0;
      for (const end of ends) {
        split(text.cps, this.flags, start, end, next);
        start = end;
      }
      ends = next;
    }
    return ends;
  }
}

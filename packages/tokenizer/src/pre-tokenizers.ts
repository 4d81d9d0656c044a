/**
 * Byte-level BPE pre-tokenizers: the regexes llama.cpp applies before merging, chosen by `tokenizer.ggml.pre`.
 * Each list is applied in order; every regex splits each current piece into matches and the text between them.
 * JavaScript has no inline `(?i:...)` groups, so LLaMA 3's case-insensitive contractions are spelled out.
 */

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const LLAMA3 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const STARCODER = ['\\p{N}', GPT2];
const DEEPSEEK_CODER = ['[\\r\\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'];
const DEEPSEEK_LLM = [
  '[\\r\\n]',
  '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+',
  '\\s?[!-/:-~！-／：-～‘-‟　-。]+',
  '\\s+$',
  '[一-龥ࠀ-一가-퟿]+',
  '\\p{N}+',
];
const FALCON = [
  '[\\p{P}\\$\\+<=>\\^~\\|`]+',
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
  '[0-9][0-9][0-9]',
];

/** Regex lists by `tokenizer.ggml.pre` name (llama.cpp's names). */
const PRE_TOKENIZERS: Record<string, readonly string[]> = {
  default: [GPT2],
  gpt2: [GPT2],
  'gpt-2': [GPT2],
  'phi-2': [GPT2],
  mpt: [GPT2],
  olmo: [GPT2],
  jais: [GPT2],
  'llama-bpe': [LLAMA3],
  llama3: [LLAMA3],
  'llama-v3': [LLAMA3],
  'smaug-bpe': [LLAMA3],
  dbrx: [LLAMA3],
  qwen2: [QWEN2],
  stablelm2: [QWEN2],
  starcoder: STARCODER,
  refact: STARCODER,
  smollm: STARCODER,
  'command-r': STARCODER,
  codeshell: STARCODER,
  exaone: STARCODER,
  minerva: STARCODER,
  'deepseek-coder': DEEPSEEK_CODER,
  'deepseek-llm': DEEPSEEK_LLM,
  falcon: FALCON,
};

export interface PreTokenizer {
  readonly name: string;
  /** True when `name` was unknown and the GPT-2 rules are used instead. */
  readonly fallback: boolean;
  split(text: string): string[];
}

export function knownPreTokenizers(): string[] {
  return Object.keys(PRE_TOKENIZERS);
}

/** The pre-tokenizer for a `tokenizer.ggml.pre` name (GPT-2 rules for unknown names, as llama.cpp). */
export function preTokenizer(name: string): PreTokenizer {
  const list = PRE_TOKENIZERS[name];
  const regexes = (list ?? PRE_TOKENIZERS.default).map((r) => new RegExp(r, 'gu'));
  return {
    name,
    fallback: list === undefined,
    split(text: string): string[] {
      let pieces = [text];
      for (const re of regexes) {
        const next: string[] = [];
        for (const piece of pieces) splitOne(piece, re, next);
        pieces = next;
      }
      return pieces;
    },
  };
}

/** Appends the matches of `re` in `text` and the unmatched text between them, in order. */
function splitOne(text: string, re: RegExp, out: string[]): void {
  re.lastIndex = 0;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
}

import { describe, expect, it } from 'vitest';
import { knownPreTokenizers, PreTokenizer, preTokenizerType } from './pre-tokenizers.js';
import { CpFlag, cpFlagTable, toCodePoints } from './unicode.js';

/** The words a pre-tokenizer cuts `text` into. */
function words(pre: string, text: string): string[] {
  const cps = toCodePoints(text);
  const out: string[] = [];
  let start = 0;
  for (const end of new PreTokenizer(preTokenizerType(pre)!).split(cps)) {
    out.push(String.fromCodePoint(...cps.cps.subarray(start, end)));
    start = end;
  }
  return out;
}

describe("llama.cpp's view of Unicode", () => {
  const flags = cpFlagTable();
  it('uses its White_Space list: U+0085 is whitespace, U+FEFF and U+200B are not', () => {
    expect(flags[0x85] & CpFlag.Whitespace).toBeTruthy();
    expect(flags[0x3000] & CpFlag.Whitespace).toBeTruthy();
    expect(flags[0xfeff] & CpFlag.Whitespace).toBeFalsy();
    expect(flags[0x200b] & CpFlag.Whitespace).toBeFalsy();
  });

  it('uses its own Unicode version: a letter assigned later (U+088F, Unicode 16) is unassigned there', () => {
    expect(/\p{L}/u.test('\u088f')).toBe(true); // JavaScript's newer tables
    expect(flags[0x088f]).toBe(CpFlag.Unassigned);
    expect(flags[0x0905] & CpFlag.Letter).toBeTruthy(); // Devanagari A
    expect(flags[0x0901] & CpFlag.Mark).toBeTruthy(); // a combining mark is no letter
  });
});

describe('pre-tokenizers', () => {
  it('LLaMA 3: digits in threes, contractions in any case, a space run leaves its last space to the word', () => {
    expect(words('llama-bpe', "I'M 1234567 ok")).toEqual(['I', "'M", ' ', '123', '456', '7', ' ok']);
    expect(words('llama-bpe', 'a   b')).toEqual(['a', '  ', ' b']);
    expect(words('llama-bpe', 'x \n\n y')).toEqual(['x', ' \n\n', ' y']);
  });

  it('GPT-2: contractions in lower case only, a space joins the following word or number', () => {
    expect(words('gpt-2', "it's IT'S 42")).toEqual(['it', "'s", ' IT', "'", 'S', ' 42']);
  });

  it('Qwen2: one digit per word', () => {
    expect(words('qwen2', 'v2025')).toEqual(['v', '2', '0', '2', '5']);
  });

  it('Unicode classes follow llama.cpp: an unassigned code point joins punctuation, combining marks do not join letters', () => {
    // U+088F is unassigned for llama.cpp, so it is "not a letter, number or space" like the apostrophe
    expect(words('gpt-2', "\u088f'll")).toEqual(["\u088f'", 'll']);
    expect(words('gpt-2', 'e\u0301t\u00e9')).toEqual(['e', '\u0301', 't\u00e9']);
  });

  it('DeepSeek: CJK runs and line breaks are words of their own', () => {
    expect(words('deepseek-coder', '你好\nworld')).toEqual(['你好', '\n', 'world']);
  });
});

it('every known pre-tokenizer builds and cuts text into pieces that cover it exactly', () => {
  const text = "Hello, World! It's 2025: naïve café 日本語 🦙\n\n\t  x   \u0085y\u3000z ١٢٣ <|end|>";
  for (const name of knownPreTokenizers()) {
    const pieces = words(name, text);
    expect(pieces.join(''), name).toBe(text);
    expect(pieces.every((p) => p.length > 0)).toBe(true);
  }
});

// Random texts that stress tokenizer edge cases (scripts/gen-llama-cpp-cases.mjs); deterministic per seed.
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
const pools = {
  ascii: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  punct: `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`,
  ws: [
    ' ',
    ' ',
    ' ',
    '  ',
    '   ',
    '\t',
    '\n',
    '\n\n',
    '\r\n',
    '\r',
    '\v',
    '\f',
    '\u00a0',
    '\u0085',
    '\u2000',
    '\u2009',
    '\u3000',
    '\ufeff',
    '\u1680',
    '\u202f',
    '\u200b',
    ' \n ',
    '\n ',
    ' \t\n',
    '     ',
  ],
  contractions: ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'LL", "'D", "'x", "'", "''s"],
  cjk: '的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从',
  jp: 'あいうえおかきくけこさしすせそアイウエオカキクケコーッャュョ漢字仮名',
  hangul: '한국어안녕하세요감사합니다',
  emoji: ['😀', '👍🏽', '👨‍👩‍👧', '🇯🇵', '❤️', '🦙', '🤖', '✨', '🔥', '👩🏿‍🚀'],
  marks: ['e\u0301', 'a\u0300\u0323', 'क्षि', 'नमस्ते', 'ก่', 'ّ', '\u0301', '\u20dd', 'ñ', 'ü'],
  scripts: [
    'Привет',
    'мир',
    'Γειά',
    'σου',
    'שלום',
    'مرحبا',
    'بالعالم',
    'สวัสดี',
    'ሰላም',
    'ᚠᚢᚦ',
    'Ωμέγα',
    'ﬁ',
    'ǅ',
    'Ⅻ',
    '½',
    '²',
    '٣',
    '६',
    '𝟘𝟙',
    '𐐀𐐨',
  ],
  newuni: [
    '\u088f',
    '\u1c89',
    '\ua7cb',
    '\u0897',
    '\u1b4e',
    '\u20c1',
    '\u{10d40}',
    '\u{10ed0}',
    '\u{1cc00}',
    '\u0378',
    '\u{e0080}',
    '\ue000',
    '\u{10ffff}',
    '\u00ad',
    '\u200d',
    '\u2028',
  ],
  special: [
    '<s>',
    '</s>',
    '<unk>',
    '<|endoftext|>',
    '<|eot_id|>',
    '<|begin_of_text|>',
    '<|im_start|>',
    '<|im_end|>',
    '<|end|>',
    '<|user|>',
    '<｜begin▁of▁sentence｜>',
    '<0x41>',
    '▁',
    '▁▁',
    'Ġ',
    '<',
    '>',
    '<|',
    '|>',
    '<s',
    '/s>',
    '<|eot_id|',
    '<|fim_prefix|>',
    '<|file_sep|>',
    '<EOT>',
    '[INST]',
  ],
  words: [
    'the',
    'The',
    ' the',
    'Hello',
    'world',
    'tokenization',
    'llama',
    'cpp',
    'GGUF',
    'don',
    "don't",
    "I'm",
    'NASA',
    'iPhone',
    'C++',
    'x86_64',
    'http://example.com',
    'foo.bar()',
    'a+b=c',
    '3.14159',
    '1,000,000',
    '12345678901',
    '$100',
    '100%',
    '#include',
    '    return 0;',
    'def f(x):',
    'über',
    'naïve',
    'café',
  ],
};
const keys = Object.keys(pools);
export function randomText(r, maxParts = 12) {
  const n = 1 + Math.floor(r() * maxParts);
  let s = '';
  for (let i = 0; i < n; i++) {
    const p = pools[keys[Math.floor(r() * keys.length)]];
    const k = 1 + Math.floor(r() * 4);
    for (let j = 0; j < k; j++) {
      if (typeof p === 'string') {
        const cps = Array.from(p);
        s += cps[Math.floor(r() * cps.length)];
      } else s += p[Math.floor(r() * p.length)];
    }
    if (r() < 0.3) s += ' ';
  }
  if (r() < 0.05) s = s.repeat(1 + Math.floor(r() * 5));
  if (r() < 0.05) s = ' '.repeat(Math.floor(r() * 20)) + s;
  if (r() < 0.05) s += ' '.repeat(Math.floor(r() * 20));
  if (r() < 0.03) s += '1234567890'.repeat(3);
  return s.replaceAll('\x01', '').replaceAll('\x00', '');
}

import { type GgufKV, MemorySource, parseGguf, GgufValueType as T, writeGgufToBuffer } from '@llamats/gguf-format';
import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from './bpe.js';
import { TokenAttr, Tokenizer, TokenType, UnsupportedTokenizerError } from './index.js';

/** A vocabulary-only GGUF file in memory. */
async function vocabFile(kv: Record<string, string | boolean | number | string[] | number[]>): Promise<Tokenizer> {
  const entries: GgufKV[] = Object.entries(kv).map(([key, value]) => {
    if (typeof value === 'string') return { key, type: T.STRING, value };
    if (typeof value === 'boolean') return { key, type: T.BOOL, value };
    if (typeof value === 'number') return { key, type: T.UINT32, value };
    if (typeof value[0] === 'string')
      return { key, type: T.ARRAY, value: { itemType: T.STRING, values: value as string[] } };
    return { key, type: T.ARRAY, value: { itemType: T.INT32, values: Int32Array.from(value as number[]) } };
  });
  const gguf = await parseGguf(new MemorySource(await writeGgufToBuffer({ kv: entries, tensors: [] })));
  return Tokenizer.fromGguf(gguf, { onWarning: (m) => warnings.push(m) });
}
let warnings: string[] = [];

/** A tiny byte-level BPE vocabulary: the 256 byte characters, `ab`, `abc` and `<|end|>`. */
function bpeVocab(extra: Record<string, string | boolean | number | string[] | number[]> = {}) {
  const tokens = [...BYTE_TO_CHAR, 'ab', 'abc', '<|end|>', 'Ġx'];
  const types = tokens.map((t) => (t === '<|end|>' ? TokenType.Control : TokenType.Normal));
  return vocabFile({
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.token_type': types,
    'tokenizer.ggml.merges': ['a b', 'ab c', 'x y', 'Ġ x'],
    ...extra,
  });
}

describe('vocabulary metadata as llama.cpp reads it', () => {
  it('warns about an unknown BPE pre-tokenizer and uses the GPT-2 rules', async () => {
    warnings = [];
    const tok = await bpeVocab({ 'tokenizer.ggml.pre': 'no-such-model' });
    expect(warnings.join()).toMatch(/unknown BPE pre-tokenizer "no-such-model"/);
    expect(tok.vocab.preType?.regexes).toBe('gpt2');
    expect(tok.encode('abc ab', { addSpecial: false })).toEqual([257, 32, 256]); // abc, Ġ (byte 0x20), ab
  });

  it("uses llama.cpp's default rules, with a warning, when the file names no pre-tokenizer", async () => {
    warnings = [];
    const tok = await bpeVocab();
    expect(warnings.join()).toMatch(/names no BPE pre-tokenizer/);
    expect(tok.vocab.preType?.regexes).toBe('default');
  });

  it('merges to a string that is no token, then emits its ASCII characters that are tokens (llama.cpp)', async () => {
    const tok = await bpeVocab({ 'tokenizer.ggml.pre': 'gpt-2' });
    // `x y` merges to `xy`, which the vocabulary lacks: llama.cpp then looks up its single bytes.
    expect(tok.encode('xy', { addSpecial: false })).toEqual(['x', 'y'].map((c) => tok.vocab.idOf.get(c)));
  });

  it('takes LLaMA 3 defaults from the pre-tokenizer name: BOS added, whole-token words not merged', async () => {
    const tok = await bpeVocab({ 'tokenizer.ggml.pre': 'llama-bpe', 'tokenizer.ggml.bos_token_id': 258 });
    expect(tok.addBos).toBe(true);
    expect(tok.encode('abc')).toEqual([258, 257]);
  });

  it('finds end-of-generation tokens by their text and treats them as control tokens', async () => {
    const tok = await bpeVocab({ 'tokenizer.ggml.pre': 'gpt-2' });
    expect(tok.eot).toBe(258);
    expect(tok.isEog(258)).toBe(true);
    expect(tok.tokenAttributes(258) & TokenAttr.Control).toBeTruthy();
    expect(tok.encode('<|end|>', { addSpecial: false, parseSpecial: true })).toEqual([258]);
    expect(tok.encode('<|end|>', { addSpecial: false }).length).toBeGreaterThan(1);
    expect(tok.decode([258])).toBe('');
    expect(tok.decode([258], { skipSpecial: false })).toBe('<|end|>');
  });

  it('rejects tokenizer models it does not read, with a typed error', async () => {
    await expect(vocabFile({ 'tokenizer.ggml.model': 'bert', 'tokenizer.ggml.tokens': ['a'] })).rejects.toThrow(
      UnsupportedTokenizerError,
    );
    await expect(vocabFile({ 'general.name': 'x' })).rejects.toThrow(/no tokenizer/);
  });

  it('strips whitespace around special tokens marked rstrip (Phi-3, by general.name)', async () => {
    const tokens = ['<unk>', '<s>', '</s>', '▁a', '▁', 'a', '<|end|>'];
    const tok = await vocabFile({
      'general.name': 'Phi-3 mini',
      'tokenizer.ggml.model': 'llama',
      'tokenizer.ggml.tokens': tokens,
      'tokenizer.ggml.token_type': [2, 3, 3, 1, 1, 1, 3],
    });
    expect(tok.tokenAttributes(6) & TokenAttr.Rstrip).toBeTruthy();
    expect(tok.tokenAttributes(1) & TokenAttr.Rstrip).toBeFalsy();
    // `<|end|>` swallows the spaces after it; `<s>` keeps them (llama.cpp's Phi-3 attributes)
    expect(tok.encode('<|end|>  a', { addSpecial: false, parseSpecial: true })).toEqual([6, 3]);
    expect(tok.encode('<s> a', { addSpecial: false, parseSpecial: true })).toEqual([1, 4, 3]);
  });
});

/**
 * A Hugging Face `tokenizer.json` for a SentencePiece GGUF vocabulary, so that the peers (which read only
 * tokenizer.json files) tokenize with exactly the vocabulary llamats reads. Merges come from the scores the
 * way Hugging Face's converter derives them: every split of a token into two tokens, ordered by the score
 * of the whole token.
 */
import { TokenAttr, type Vocab } from '../src/index.js';

export function spmTokenizerJson(vocab: Vocab): { tokenizerJSON: object; tokenizerConfig: object } {
  const ids: Record<string, number> = {};
  vocab.tokens.forEach((t, i) => {
    ids[t] = i;
  });
  const merges: [string, string, number][] = [];
  for (let id = 0; id < vocab.tokens.length; id++) {
    const piece = vocab.tokens[id];
    if (!(vocab.attrs[id] & TokenAttr.Normal)) continue;
    const local: [string, string, number][] = [];
    const chars = Array.from(piece);
    for (let k = 1; k < chars.length; k++) {
      const l = chars.slice(0, k).join('');
      const r = chars.slice(k).join('');
      if (l in ids && r in ids) local.push([l, r, vocab.scores ? vocab.scores[id] : 0]);
    }
    local.sort((a, b) => ids[a[0]] - ids[b[0]] || ids[a[1]] - ids[b[1]]);
    merges.push(...local);
  }
  merges.sort((a, b) => b[2] - a[2]);
  const special = vocab.tokens
    .map((content, id) => ({ id, content, attr: vocab.attrs[id] }))
    .filter((t) => t.attr & (TokenAttr.Control | TokenAttr.Unknown))
    .map(({ id, content }) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
  const unk = vocab.unk !== undefined ? vocab.tokens[vocab.unk] : null;
  return {
    tokenizerJSON: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: special,
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: '▁' },
          { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
        ],
      },
      pre_tokenizer: null,
      post_processor: null,
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: unk,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: true,
        byte_fallback: true,
        vocab: ids,
        merges: merges.map(([l, r]) => `${l} ${r}`),
      },
    },
    tokenizerConfig: {
      tokenizer_class: 'LlamaTokenizer',
      add_bos_token: vocab.addBos,
      add_eos_token: vocab.addEos,
      bos_token: vocab.bos !== undefined ? vocab.tokens[vocab.bos] : null,
      eos_token: vocab.eos !== undefined ? vocab.tokens[vocab.eos] : null,
      unk_token: unk,
      legacy: true,
      clean_up_tokenization_spaces: false,
    },
  };
}

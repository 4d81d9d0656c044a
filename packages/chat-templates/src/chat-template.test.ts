import { openGgufFile } from '@llamats/gguf-format/node';
import { fixturePath, hasFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { ChatTemplate } from './chat-template.js';
import { TemplateSyntaxError, UnknownTemplateError } from './errors.js';
import type { ChatMessage } from './render.js';

/** A GGUF stand-in: metadata by key, the way `GgufFile.get` answers (arrays as `{ values }`). */
function fakeGguf(meta: Record<string, unknown>) {
  return { get: (key: string) => meta[key] };
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
];

describe('ChatTemplate.fromGguf', () => {
  it('uses tokenizer.chat_template with the file’s BOS/EOS texts', () => {
    const gguf = fakeGguf({
      'tokenizer.chat_template':
        '{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}',
      'tokenizer.ggml.tokens': { values: ['<unk>', '<s>', '</s>'] },
      'tokenizer.ggml.bos_token_id': 1,
      'tokenizer.ggml.eos_token_id': 2,
    });
    const t = ChatTemplate.fromGguf(gguf);
    expect(t.origin).toBe('gguf');
    expect(t.render(conversation)).toBe('<s>[system]Be brief.</s>[user]Hi</s>');
  });

  it('reads a named variant (tokenizer.chat_template.tool_use)', () => {
    const gguf = fakeGguf({ 'tokenizer.chat_template.tool_use': 'tools={{ tools | length }}' });
    expect(ChatTemplate.fromGguf(gguf, { variant: 'tool_use' }).render([], { tools: [{}, {}] })).toBe('tools=2');
  });

  it('guesses a built-in from marker tokens or the model name when the file has no template', () => {
    const llama3 = fakeGguf({ 'tokenizer.ggml.tokens': ['<|begin_of_text|>', '<|start_header_id|>', '<|eot_id|>'] });
    expect(ChatTemplate.fromGguf(llama3).builtinName).toBe('llama3');
    expect(ChatTemplate.fromGguf(llama3).origin).toBe('gguf-guess');
    const vicuna = fakeGguf({ 'general.name': 'vicuna-13b-v1.5', 'tokenizer.ggml.tokens': ['<unk>', '<s>', '</s>'] });
    expect(ChatTemplate.fromGguf(vicuna).builtinName).toBe('vicuna');
    const llama2 = fakeGguf({
      'general.name': 'LLaMA v2',
      'tokenizer.ggml.bos_token_id': 1,
      'tokenizer.ggml.tokens': ['<unk>', '<s>', '</s>'],
    });
    const t = ChatTemplate.fromGguf(llama2);
    expect(t.builtinName).toBe('llama2');
    expect(t.render(conversation)).toBe('<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]');
    expect(ChatTemplate.fromGguf(fakeGguf({})).builtinName).toBe('chatml');
    expect(ChatTemplate.fromGguf(fakeGguf({}), { fallback: 'alpaca' }).builtinName).toBe('alpaca');
  });

  it.skipIf(!hasFixture('vocab/ggml-vocab-llama-bpe.gguf'))('renders the Llama 3 template of a real GGUF', async () => {
    const gguf = await openGgufFile(fixturePath('vocab/ggml-vocab-llama-bpe.gguf')!);
    try {
      const t = ChatTemplate.fromGguf(gguf);
      expect(t.origin).toBe('gguf');
      expect(t.builtinName).toBe('llama3');
      expect(t.bosToken).toBe('<|begin_of_text|>');
      const text = t.render([{ role: 'user', content: 'Hi' }]);
      expect(text.startsWith('<|begin_of_text|><|start_header_id|>')).toBe(true);
      expect(text.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
    } finally {
      await gguf.source.close?.();
    }
  });
});

describe('ChatTemplate errors', () => {
  it('names the unknown template and lists the known ones', () => {
    expect(() => ChatTemplate.fromName('nope')).toThrow(UnknownTemplateError);
    expect(() => ChatTemplate.fromName('nope')).toThrow(/Known names: llama2/);
  });
  it('reports a template that does not parse', () => {
    expect(() => ChatTemplate.fromString('{% for x in %}', { name: 'broken' })).toThrow(TemplateSyntaxError);
  });
});

describe('renderWithPrefix', () => {
  it('the stable prefix is kept by the next turn, the generation prompt included', () => {
    const t = ChatTemplate.fromName('chatml');
    const first = t.renderWithPrefix(conversation);
    expect(first.stablePrefixLength).toBe(first.text.length);
    const next = t.render([
      ...conversation,
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'Bye' },
    ]);
    expect(next.startsWith(first.text)).toBe(true);
  });

  it('stops before history that the template rewrites later (reasoning dropped from old turns)', () => {
    // Qwen 3 style: the last assistant turn keeps <think>, earlier ones lose it.
    const src =
      '{% for m in messages %}{% if m.role == "assistant" and not loop.last %}' +
      "{{ '<a>' + m.content.split('</think>')[-1] + '</a>' }}{% else %}{{ '<' + m.role[0] + '>' + m.content + '</' + m.role[0] + '>' }}{% endif %}{% endfor %}";
    const t = ChatTemplate.fromString(src);
    const msgs: ChatMessage[] = [
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: '<think>x</think>A' },
    ];
    const r = t.renderWithPrefix(msgs);
    expect(r.text).toBe('<u>Q</u><a><think>x</think>A</a>');
    expect(r.text.slice(0, r.stablePrefixLength)).toBe('<u>Q</u><a>');
  });

  it('uses one clock reading for both renders', () => {
    let calls = 0;
    const t = ChatTemplate.fromString("{{ strftime_now('%S') }}");
    const r = t.renderWithPrefix([{ role: 'user', content: 'x' }], {
      now: () => new Date(2026, 0, 1, 0, 0, calls++),
    });
    expect(r.stablePrefixLength).toBe(2);
    expect(calls).toBe(1);
  });

  it('Llama 3.2 reads the injected clock when no date_string is given', () => {
    // The template computes `strftime_now("%d %b %Y")` itself.
    const src =
      '{%- if not date_string is defined %}{%- set date_string = strftime_now("%d %b %Y") %}{%- endif %}Today Date: {{ date_string }}';
    const t = ChatTemplate.fromString(src);
    expect(t.render([], { now: () => new Date(2026, 10, 22, 12) })).toBe('Today Date: 22 Nov 2026');
    expect(t.render([], { dateString: '01 Jan 2030' })).toBe('Today Date: 01 Jan 2030');
  });
});

// Runs the README's example.
import { describe, expect, it } from 'vitest';
import { ChatTemplate, renderChatTemplate } from './index.js';

describe('README example', () => {
  it('renders as documented', () => {
    const llama2 = ChatTemplate.fromName('llama2', { bosToken: '<s>', eosToken: '</s>' });
    const prompt = llama2.render([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Name a colour.' },
    ]);
    expect(prompt).toBe('<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nName a colour. [/INST]');

    const text = renderChatTemplate(
      "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{{ strftime_now('%d %b %Y') }}",
      [{ role: 'user', content: 'Hi' }],
      { bosToken: '<s>', now: () => new Date(2026, 10, 22, 12) },
    );
    expect(text).toBe('<s><|user|>Hi22 Nov 2026');
  });
});

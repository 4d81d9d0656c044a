/**
 * Each built-in renders the example conversation of its source document byte for byte. The reference
 * strings are written out from the cited model cards / reference code (quoted in the comments).
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES, findBuiltinTemplate } from './builtins.js';
import { ChatTemplate } from './chat-template.js';
import { TemplateError } from './errors.js';
import type { ChatMessage } from './render.js';

const llamaTokens = { bosToken: '<s>', eosToken: '</s>' };

describe('built-in templates', () => {
  it('llama2: system folded into the first [INST] and kept there across turns', () => {
    // huggingface.co/blog/llama2 "How to prompt Llama 2":
    // <s>[INST] <<SYS>>\n{{ system_prompt }}\n<</SYS>>\n\n{{ user_msg_1 }} [/INST] {{ model_answer_1 }} </s><s>[INST] {{ user_msg_2 }} [/INST]
    const t = ChatTemplate.fromName('llama2', llamaTokens);
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: "There's a llama in my garden 😱 What should I do?" },
      { role: 'assistant', content: 'Offer it some hay.' },
      { role: 'user', content: 'And then?' },
    ];
    expect(t.render(messages)).toBe(
      "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nThere's a llama in my garden 😱 What should I do? [/INST]" +
        ' Offer it some hay. </s><s>[INST] And then? [/INST]',
    );
    expect(t.render(messages.slice(1, 2))).toBe("<s>[INST] There's a llama in my garden 😱 What should I do? [/INST]");
  });

  it('llama2: rejects turns that do not alternate', () => {
    const t = ChatTemplate.fromName('llama2', llamaTokens);
    expect(() =>
      t.render([
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ]),
    ).toThrow(TemplateError);
  });

  it('llama3', () => {
    // Meta-Llama-3-8B-Instruct model card:
    // <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{{ system_prompt }}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n{{ user_message }}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n
    const t = ChatTemplate.fromName('llama3', { bosToken: '<|begin_of_text|>', eosToken: '<|eot_id|>' });
    expect(
      t.render([
        { role: 'system', content: 'You are a helpful AI assistant for travel tips and recommendations' },
        { role: 'user', content: 'What can you help me with?' },
      ]),
    ).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful AI assistant for travel tips and ' +
        'recommendations<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat can you help me with?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('alpaca', () => {
    // stanford_alpaca README, prompt_no_input:
    // "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:"
    const t = ChatTemplate.fromName('alpaca', llamaTokens);
    expect(t.render([{ role: 'user', content: 'Give three tips for staying healthy.' }])).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
        '### Instruction:\nGive three tips for staying healthy.\n\n### Response:',
    );
  });

  it('vicuna (v1.1)', () => {
    // FastChat vicuna_weights_version.md (v1.1): "USER: Hello! ASSISTANT: Hello!</s>USER: How are you? ASSISTANT: I am good.</s>"
    const t = ChatTemplate.fromName('vicuna', llamaTokens);
    expect(
      t.render([
        { role: 'user', content: 'Hello!' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'How are you?' },
      ]),
    ).toBe(
      "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions." +
        ' USER: Hello! ASSISTANT: Hello!</s>USER: How are you? ASSISTANT:',
    );
  });

  it('vicuna-v0', () => {
    // FastChat conv_v1 (SINGLE style, sep "###"): "{system}###Human: {user}###Assistant:"
    const t = ChatTemplate.fromName('vicuna-v0', llamaTokens);
    expect(
      t.render([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Name a color.' },
      ]),
    ).toBe('Be brief.###Human: Hi###Assistant: Hello.###Human: Name a color.###Assistant:');
  });

  it('koala', () => {
    // EasyLM koala.md: "BEGINNING OF CONVERSATION: USER: [user input] GPT:"
    const t = ChatTemplate.fromName('koala', llamaTokens);
    expect(t.render([{ role: 'user', content: 'What is a koala?' }])).toBe(
      'BEGINNING OF CONVERSATION: USER: What is a koala? GPT:',
    );
  });

  it('wizardlm', () => {
    // WizardLM README (7B V1.0): "{instruction}\n\n### Response:"
    const t = ChatTemplate.fromName('wizardlm', llamaTokens);
    expect(t.render([{ role: 'user', content: 'Write a haiku.' }])).toBe('Write a haiku.\n\n### Response:');
  });

  it('chatml', () => {
    // chatml.md: <|im_start|>system\nYou are ChatGPT...<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n
    const t = ChatTemplate.fromName('chatml');
    expect(
      t.render([
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello' },
      ]),
    ).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('mistral', () => {
    // Mistral-7B-Instruct-v0.2 (tokenizer_config chat_template; the card's text is the same without its
    // cosmetic space after </s>): "<s>[INST] What is your favourite condiment? [/INST]Well, ...</s>[INST] Do you have mayonnaise recipes? [/INST]"
    const t = ChatTemplate.fromName('mistral', llamaTokens);
    const answer =
      "Well, I'm quite partial to a good squeeze of fresh lemon juice. It adds just the right amount of zesty flavour to whatever I'm cooking up in the kitchen!";
    expect(
      t.render([
        { role: 'user', content: 'What is your favourite condiment?' },
        { role: 'assistant', content: answer },
        { role: 'user', content: 'Do you have mayonnaise recipes?' },
      ]),
    ).toBe(
      `<s>[INST] What is your favourite condiment? [/INST]${answer}</s>[INST] Do you have mayonnaise recipes? [/INST]`,
    );
    expect(
      t.render([
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toBe('<s>[INST] Answer in French.\n\nHi [/INST]');
  });

  it('zephyr', () => {
    // zephyr-7b-beta model card:
    // <|system|>\nYou are a friendly chatbot who always responds in the style of a pirate</s>\n<|user|>\nHow many helicopters can a human eat in one sitting?</s>\n<|assistant|>\n
    const t = ChatTemplate.fromName('zephyr', llamaTokens);
    expect(
      t.render([
        { role: 'system', content: 'You are a friendly chatbot who always responds in the style of a pirate' },
        { role: 'user', content: 'How many helicopters can a human eat in one sitting?' },
      ]),
    ).toBe(
      '<|system|>\nYou are a friendly chatbot who always responds in the style of a pirate</s>\n<|user|>\n' +
        'How many helicopters can a human eat in one sitting?</s>\n<|assistant|>\n',
    );
  });

  it('gemma', () => {
    // gemma-7b-it model card: <bos><start_of_turn>user\nWrite a hello world program<end_of_turn>\n<start_of_turn>model\n
    const t = ChatTemplate.fromName('gemma', { bosToken: '<bos>', eosToken: '<eos>' });
    expect(t.render([{ role: 'user', content: 'Write a hello world program' }])).toBe(
      '<bos><start_of_turn>user\nWrite a hello world program<end_of_turn>\n<start_of_turn>model\n',
    );
    // No system role in Gemma: it is prepended to the first user turn (llama.cpp does the same).
    expect(
      t.render([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toBe('<bos><start_of_turn>user\nBe terse.\n\nHi<end_of_turn>\n<start_of_turn>model\n');
  });

  it('phi3', () => {
    // Phi-3-mini-4k-instruct model card: <|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nQuestion?<|end|>\n<|assistant|>\n
    const t = ChatTemplate.fromName('phi3', { bosToken: '<s>', eosToken: '<|endoftext|>' });
    expect(
      t.render([
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Question?' },
      ]),
    ).toBe('<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nQuestion?<|end|>\n<|assistant|>\n');
  });

  it('every built-in is reachable by its name and aliases', () => {
    for (const b of BUILTIN_TEMPLATES) {
      for (const n of [b.name, ...b.aliases, b.name.toUpperCase()]) expect(findBuiltinTemplate(n)?.name).toBe(b.name);
    }
  });

  it('every built-in keeps earlier turns unchanged when the conversation grows', () => {
    const turns: ChatMessage[] = [
      { role: 'system', content: 'Sys.' },
      { role: 'user', content: 'One?' },
      { role: 'assistant', content: 'Two.' },
      { role: 'user', content: 'Three?' },
    ];
    for (const b of BUILTIN_TEMPLATES) {
      const t = ChatTemplate.fromName(b.name, llamaTokens);
      const first = t.renderWithPrefix(turns.slice(0, 2));
      const later = t.render(turns);
      // Everything rendered for turn one, plus the reply, must be a prefix of the next turn's prompt.
      expect(later.startsWith(first.text.slice(0, first.stablePrefixLength)), b.name).toBe(true);
      expect(later.startsWith(first.text), b.name).toBe(true);
    }
  });
});

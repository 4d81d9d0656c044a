import { listFixtures, readFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES } from './builtins.js';
import { detectTemplateName } from './detect.js';

describe('detectTemplateName', () => {
  it('recognises every built-in from its own text and from its name', () => {
    for (const b of BUILTIN_TEMPLATES) {
      expect(detectTemplateName(b.template), b.name).toBe(b.name);
      expect(detectTemplateName(b.name)).toBe(b.name);
    }
  });

  it('recognises the families of real templates', () => {
    const expected: Record<string, string | undefined> = {
      'HuggingFaceTB-SmolLM3-3B.jinja': 'chatml',
      'NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja': 'chatml',
      'Qwen-Qwen2.5-7B-Instruct.jinja': 'chatml',
      'Qwen-Qwen3-0.6B.jinja': 'chatml',
      'deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja': undefined,
      'google-gemma-2-2b-it.jinja': 'gemma',
      'ibm-granite-granite-3.3-2B-Instruct.jinja': undefined,
      'meta-llama-Llama-3.1-8B-Instruct.jinja': 'llama3',
      'meta-llama-Llama-3.2-3B-Instruct.jinja': 'llama3',
      'microsoft-Phi-3.5-mini-instruct.jinja': 'phi3',
      'mistralai-Mistral-Nemo-Instruct-2407.jinja': 'mistral',
    };
    const files = listFixtures('templates', '.jinja');
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(detectTemplateName(readFixture(`templates/${f}`).toString('utf8')), f).toBe(expected[f]);
    }
  });

  it('tells Llama 2 from Mistral by the <<SYS>> block, and Zephyr from Phi-3 by <|end|>', () => {
    expect(detectTemplateName("{{ bos_token + '[INST] ' + m['content'] + ' [/INST]' }}")).toBe('mistral');
    expect(detectTemplateName("'[INST] <<SYS>>\\n' + system")).toBe('llama2');
    expect(detectTemplateName("'<|user|>\\n' ... '<|assistant|>'")).toBe('zephyr');
    expect(detectTemplateName("'<|user|>\\n' ... '<|end|>' ... '<|assistant|>'")).toBe('phi3');
    expect(detectTemplateName('plain text')).toBeUndefined();
  });
});

/**
 * Recognises a chat format from a template's text, the way llama.cpp's `llm_chat_detect_template` does: by
 * markers each format's template must contain. Only formats that have a built-in here are reported.
 */
import { type BuiltinTemplateName, findBuiltinTemplate } from './builtins.js';

type Rule = { name: BuiltinTemplateName; test: (t: string) => boolean };

const has = (t: string, ...needles: string[]) => needles.every((n) => t.includes(n));

// Order matters: earlier rules win (ChatML templates may mention other markers, Llama 2 and Mistral share
// `[INST]`, Zephyr and Phi-3 share `<|assistant|>`).
const RULES: readonly Rule[] = [
  { name: 'chatml', test: (t) => has(t, '<|im_start|>') },
  { name: 'llama2', test: (t) => has(t, '[INST]', '<<SYS>>') },
  { name: 'mistral', test: (t) => has(t, '[INST]') || t.startsWith('mistral') },
  { name: 'phi3', test: (t) => has(t, '<|assistant|>', '<|end|>') },
  { name: 'zephyr', test: (t) => has(t, '<|user|>', '<|assistant|>') },
  { name: 'gemma', test: (t) => has(t, '<start_of_turn>') },
  { name: 'llama3', test: (t) => has(t, '<|start_header_id|>', '<|end_header_id|>') },
  { name: 'koala', test: (t) => has(t, 'GPT: ') && (has(t, 'USER: ') || has(t, 'BEGINNING OF CONVERSATION')) },
  { name: 'vicuna', test: (t) => has(t, 'USER: ', 'ASSISTANT: ') || has(t, 'USER:', 'ASSISTANT:') },
  { name: 'vicuna-v0', test: (t) => has(t, 'Human: ', 'Assistant: ') && has(t, '###') },
  { name: 'alpaca', test: (t) => has(t, '### Instruction:', '### Response:') },
  { name: 'wizardlm', test: (t) => has(t, '### Response:') },
];

/**
 * The built-in format a template text (or a format name) corresponds to, or undefined when none matches.
 * @example detectTemplateName("{% for m in messages %}<|im_start|>...") // 'chatml'
 */
export function detectTemplateName(template: string): BuiltinTemplateName | undefined {
  const byName = findBuiltinTemplate(template);
  if (byName) return byName.name;
  return RULES.find((r) => r.test(template))?.name;
}

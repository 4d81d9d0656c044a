/**
 * Named chat formats for models whose GGUF carries no `tokenizer.chat_template`. Each is a Jinja template
 * (rendered by the same runtime as templates read from GGUF files) written from the format its model card or
 * reference code documents; `source` names that document. Conventions shared by all of them: `bos_token` and
 * `eos_token` are printed where the format has them, `add_generation_prompt` appends the assistant header.
 */

/** The built-in template names. */
export type BuiltinTemplateName =
  | 'llama2'
  | 'llama3'
  | 'alpaca'
  | 'vicuna'
  | 'vicuna-v0'
  | 'koala'
  | 'wizardlm'
  | 'chatml'
  | 'mistral'
  | 'zephyr'
  | 'gemma'
  | 'phi3';

export interface BuiltinTemplate {
  readonly name: BuiltinTemplateName;
  /** Other names accepted by `fromName` (llama.cpp's names among them). */
  readonly aliases: readonly string[];
  readonly description: string;
  /** Where the format is documented. */
  readonly source: string;
  /** Jinja source. */
  readonly template: string;
  /**
   * Text that means the model has started the next turn: generation stops there. For models fine-tuned without
   * a dedicated end-of-turn token (Alpaca, Vicuna...), this is what keeps them from writing the user's part.
   */
  readonly stop: readonly string[];
}

// Helpers shared by the formats that treat a leading system message specially: `system` is its text (or
// none) and `turns` the remaining messages.
const SPLIT_SYSTEM = `
{%- if messages and messages[0]['role'] == 'system' -%}
  {%- set system = messages[0]['content'] -%}
  {%- set turns = messages[1:] -%}
{%- else -%}
  {%- set system = none -%}
  {%- set turns = messages -%}
{%- endif -%}`;

const ALTERNATE = (format: string) => `
  {%- if (m['role'] == 'user') != (loop.index0 % 2 == 0) -%}
    {{- raise_exception('${format} expects user and assistant messages to alternate, starting with user') -}}
  {%- endif -%}`;

const LLAMA2 = `${SPLIT_SYSTEM}
{%- for m in turns -%}
  ${ALTERNATE('The llama2 format')}
  {%- set text = m['content'] -%}
  {%- if loop.first and system is not none -%}
    {%- set text = '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + text -%}
  {%- endif -%}
  {%- if m['role'] == 'user' -%}
    {{- bos_token + '[INST] ' + text.strip() + ' [/INST]' -}}
  {%- else -%}
    {{- ' ' + text.strip() + ' ' + eos_token -}}
  {%- endif -%}
{%- endfor -%}`;

const LLAMA3 = `
{%- for m in messages -%}
  {%- if loop.first -%}{{- bos_token -}}{%- endif -%}
  {{- '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}`;

const ALPACA = `${SPLIT_SYSTEM}
{%- if system is none -%}
  {%- set system = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.' -%}
{%- endif -%}
{{- system + '\\n\\n' -}}
{%- for m in turns -%}
  {%- if m['role'] == 'user' -%}
    {{- '### Instruction:\\n' + m['content'] + '\\n\\n' -}}
  {%- elif m['role'] == 'assistant' -%}
    {{- '### Response:' + m['content'] + '\\n\\n' -}}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '### Response:' -}}{%- endif -%}`;

// FastChat's "ADD_COLON_TWO" style: system, then `ROLE: text` joined by sep after user turns and sep2 (the
// end-of-sequence token) after assistant turns; an open turn is `ROLE:`.
const colonTwo = (defaultSystem: string, user: string, assistant: string) => `${SPLIT_SYSTEM}
{%- if system is none -%}{%- set system = '${defaultSystem}' -%}{%- endif -%}
{{- system + ' ' -}}
{%- for m in turns -%}
  {%- if m['role'] == 'user' -%}
    {{- '${user}: ' + m['content'] + ' ' -}}
  {%- elif m['role'] == 'assistant' -%}
    {{- '${assistant}: ' + m['content'] + eos_token -}}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '${assistant}:' -}}{%- endif -%}`;

const VICUNA = colonTwo(
  "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user\\'s questions.",
  'USER',
  'ASSISTANT',
);

const KOALA = colonTwo('BEGINNING OF CONVERSATION:', 'USER', 'GPT');

// FastChat's original "SINGLE" style with separator `###`.
const VICUNA_V0 = `${SPLIT_SYSTEM}
{%- if system is none -%}
  {%- set system = "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions." -%}
{%- endif -%}
{{- system + '###' -}}
{%- for m in turns -%}
  {%- if m['role'] == 'user' -%}
    {{- 'Human: ' + m['content'] + '###' -}}
  {%- elif m['role'] == 'assistant' -%}
    {{- 'Assistant: ' + m['content'] + '###' -}}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- 'Assistant:' -}}{%- endif -%}`;

const WIZARDLM = `${SPLIT_SYSTEM}
{%- if system is not none -%}{{- system + '\\n\\n' -}}{%- endif -%}
{%- for m in turns -%}
  {%- if m['role'] == 'user' -%}
    {{- m['content'] + '\\n\\n' -}}
  {%- elif m['role'] == 'assistant' -%}
    {{- '### Response:' + m['content'] + '\\n\\n' -}}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '### Response:' -}}{%- endif -%}`;

const CHATML = `
{%- for m in messages -%}
  {{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}`;

const MISTRAL = `{{- bos_token -}}${SPLIT_SYSTEM}
{%- for m in turns -%}
  ${ALTERNATE('The mistral format')}
  {%- if m['role'] == 'user' -%}
    {%- if loop.first and system is not none -%}
      {{- '[INST] ' + system + '\\n\\n' + m['content'] + ' [/INST]' -}}
    {%- else -%}
      {{- '[INST] ' + m['content'] + ' [/INST]' -}}
    {%- endif -%}
  {%- else -%}
    {{- m['content'] + eos_token -}}
  {%- endif -%}
{%- endfor -%}`;

const ZEPHYR = `
{%- for m in messages -%}
  {%- if m['role'] == 'user' -%}
    {{- '<|user|>\\n' + m['content'] + eos_token + '\\n' -}}
  {%- elif m['role'] == 'system' -%}
    {{- '<|system|>\\n' + m['content'] + eos_token + '\\n' -}}
  {%- elif m['role'] == 'assistant' -%}
    {{- '<|assistant|>\\n' + m['content'] + eos_token + '\\n' -}}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- endif -%}`;

const GEMMA = `{{- bos_token -}}${SPLIT_SYSTEM}
{%- for m in turns -%}
  ${ALTERNATE('The gemma format')}
  {%- set role = 'model' if m['role'] == 'assistant' else m['role'] -%}
  {%- set text = m['content'] | trim -%}
  {%- if loop.first and system is not none -%}{%- set text = system | trim + '\\n\\n' + text -%}{%- endif -%}
  {{- '<start_of_turn>' + role + '\\n' + text + '<end_of_turn>\\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}`;

const PHI3 = `
{%- for m in messages -%}
  {{- '<|' + m['role'] + '|>\\n' + m['content'] + '<|end|>\\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- else -%}{{- eos_token -}}{%- endif -%}`;

/** Every built-in template, in the order `detectTemplateName` documents. */
export const BUILTIN_TEMPLATES: readonly BuiltinTemplate[] = [
  {
    name: 'llama2',
    aliases: ['llama-2', 'llama2-chat', 'llama2-sys', 'llama2-sys-bos', 'llama2-sys-strip'],
    description:
      'Llama-2-Chat: `<s>[INST] <<SYS>>\\n{system}\\n<</SYS>>\\n\\n{user} [/INST] {assistant} </s>`; the system ' +
      'message is folded into the first user turn and stays there for the whole conversation.',
    source: 'https://huggingface.co/meta-llama/Llama-2-7b-chat-hf (tokenizer_config.json chat_template)',
    template: LLAMA2,
    stop: ['[INST]'],
  },
  {
    name: 'llama3',
    aliases: ['llama-3', 'llama3-instruct'],
    description: 'Llama 3 Instruct: `<|start_header_id|>{role}<|end_header_id|>\\n\\n{content}<|eot_id|>` per message.',
    source: 'https://huggingface.co/meta-llama/Meta-Llama-3-8B-Instruct (model card, "Prompt format")',
    template: LLAMA3,
    stop: ['<|eot_id|>', '<|start_header_id|>'],
  },
  {
    name: 'alpaca',
    aliases: [],
    description:
      'Stanford Alpaca: preamble, `### Instruction:\\n{user}\\n\\n`, `### Response:{assistant}`; a system message ' +
      'replaces the preamble.',
    source: 'https://github.com/tatsu-lab/stanford_alpaca (README, "prompt_no_input")',
    template: ALPACA,
    stop: ['### Instruction:'],
  },
  {
    name: 'vicuna',
    aliases: ['vicuna-v1.1', 'vicuna_v1.1'],
    description:
      'Vicuna v1.1: `{system} USER: {user} ASSISTANT: {assistant}</s>`; a system message replaces the default one.',
    source: 'https://github.com/lm-sys/FastChat/blob/main/docs/vicuna_weights_version.md (v1.1 separator </s>)',
    template: VICUNA,
    stop: ['USER:'],
  },
  {
    name: 'vicuna-v0',
    aliases: ['vicuna_v0'],
    description: 'Vicuna v0: `{system}###Human: {user}###Assistant: {assistant}###`.',
    source: 'https://github.com/lm-sys/FastChat/blob/main/docs/vicuna_weights_version.md (v0 separator ###)',
    template: VICUNA_V0,
    stop: ['###'],
  },
  {
    name: 'koala',
    aliases: ['koala-v1'],
    description: 'Koala: `BEGINNING OF CONVERSATION: USER: {user} GPT: {assistant}</s>`.',
    source: 'https://github.com/young-geng/EasyLM/blob/main/docs/koala.md (FastChat "koala_v1")',
    template: KOALA,
    stop: ['USER:'],
  },
  {
    name: 'wizardlm',
    aliases: ['wizardlm-7b'],
    description:
      'WizardLM 7B V1.0: `{instruction}\\n\\n### Response:`. (WizardLM 13B/70B V1.x use the `vicuna` format.)',
    source: 'https://github.com/nlpxucan/WizardLM (README: WizardLM-7B V1.0 prompt `{instruction}\\n\\n### Response:`)',
    template: WIZARDLM,
    stop: ['### Instruction:'],
  },
  {
    name: 'chatml',
    aliases: ['im_start'],
    description: 'ChatML: `<|im_start|>{role}\\n{content}<|im_end|>\\n` per message.',
    source: 'https://github.com/openai/openai-python/blob/release-v0.28.0/chatml.md',
    template: CHATML,
    stop: ['<|im_end|>', '<|im_start|>'],
  },
  {
    name: 'mistral',
    aliases: ['mistral-instruct', 'mistral-v1'],
    description:
      'Mistral Instruct v0.1/v0.2: `<s>[INST] {user} [/INST]{assistant}</s>`; a system message is prepended to ' +
      'the first user turn followed by a blank line.',
    source: 'https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.2 (model card, "Instruction format")',
    template: MISTRAL,
    stop: ['[INST]'],
  },
  {
    name: 'zephyr',
    aliases: [],
    description: 'Zephyr: `<|{role}|>\\n{content}</s>\\n` per message, `<|assistant|>\\n` to generate.',
    source: 'https://huggingface.co/HuggingFaceH4/zephyr-7b-beta (model card, "Intended uses")',
    template: ZEPHYR,
    stop: ['<|user|>'],
  },
  {
    name: 'gemma',
    aliases: ['gemma-it', 'gemma2'],
    description:
      'Gemma instruct: `<bos><start_of_turn>user\\n{user}<end_of_turn>\\n<start_of_turn>model\\n`; Gemma has no ' +
      'system role, so a system message is prepended to the first user turn (as llama.cpp does).',
    source: 'https://huggingface.co/google/gemma-7b-it (model card, "Chat Template")',
    template: GEMMA,
    stop: ['<end_of_turn>', '<start_of_turn>'],
  },
  {
    name: 'phi3',
    aliases: ['phi-3'],
    description: 'Phi-3: `<|{role}|>\\n{content}<|end|>\\n` per message, `<|assistant|>\\n` to generate.',
    source: 'https://huggingface.co/microsoft/Phi-3-mini-4k-instruct (model card, "Chat Format")',
    template: PHI3,
    stop: ['<|end|>', '<|user|>'],
  },
];

const BY_NAME = new Map<string, BuiltinTemplate>();
for (const t of BUILTIN_TEMPLATES) {
  BY_NAME.set(t.name, t);
  for (const a of t.aliases) BY_NAME.set(a, t);
}

/** The built-in template with this name or alias (case-insensitive), or undefined. */
export function findBuiltinTemplate(name: string): BuiltinTemplate | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** All names and aliases that {@link findBuiltinTemplate} accepts. */
export function builtinTemplateNames(): string[] {
  return [...BY_NAME.keys()];
}

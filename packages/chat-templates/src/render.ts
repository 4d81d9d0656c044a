/**
 * Rendering a conversation with a Jinja chat template, with the variables transformers passes
 * (`messages`, `add_generation_prompt`, `bos_token`, `eos_token`, `tools`, ...) and its globals
 * (`raise_exception`, `strftime_now`).
 */
import { type CompiledTemplate, compileTemplate, runTemplate } from './jinja-runtime.js';

/** A part of a multi-part message content (OpenAI style); templates decide how to print it. */
export interface ContentPart {
  readonly type: string;
  readonly text?: string;
  readonly [key: string]: unknown;
}

/** One message of a conversation. Extra fields (`tool_calls`, `name`, ...) are passed to the template. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  readonly content: string | readonly ContentPart[] | null;
  readonly [key: string]: unknown;
}

export interface RenderOptions {
  /** Append the header that starts the assistant's reply. Default true (transformers' default is false). */
  readonly addGenerationPrompt?: boolean;
  /** Text of the BOS token (`bos_token`). Default ''. */
  readonly bosToken?: string;
  /** Text of the EOS token (`eos_token`). Default ''. */
  readonly eosToken?: string;
  /** Tool definitions (`tools`), JSON-schema function specs as in OpenAI's API. Undefined when not given. */
  readonly tools?: readonly unknown[];
  /** `date_string`, read by Llama 3.x templates; when absent they call `strftime_now` themselves. */
  readonly dateString?: string;
  /** The clock behind `strftime_now` (local time, like Python's `datetime.now()`). Default: the real clock. */
  readonly now?: () => Date;
  /** Further template variables (e.g. `{ enable_thinking: false }` for Qwen 3). */
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** A rendering plus how much of it stays the same when the conversation goes on. */
export interface RenderedPrompt {
  readonly text: string;
  /**
   * Length (UTF-16 code units) of the prefix of `text` that a later turn of the same conversation renders
   * identically: the engine may keep the KV cache for those tokens.
   */
  readonly stablePrefixLength: number;
}

const cache = new Map<string, CompiledTemplate>();
const CACHE_LIMIT = 32;

/** Compiles a template, reusing earlier compilations of the same text. */
export function compileCached(source: string, name?: string): CompiledTemplate {
  const hit = cache.get(source);
  if (hit) return hit;
  const compiled = compileTemplate(source, name);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

/** Renders with a compiled template (used by {@link renderChatTemplate} and `ChatTemplate`). */
export function renderCompiled(
  template: CompiledTemplate,
  messages: readonly ChatMessage[],
  options: RenderOptions = {},
): string {
  const variables: Record<string, unknown> = {
    ...options.variables,
    messages,
    add_generation_prompt: options.addGenerationPrompt ?? true,
    bos_token: options.bosToken ?? '',
    eos_token: options.eosToken ?? '',
    tools: options.tools,
    date_string: options.dateString,
  };
  return runTemplate(template, variables, options.now ?? (() => new Date()));
}

/**
 * Renders `messages` with a Jinja chat template exactly as transformers' `apply_chat_template(tokenize=False)`
 * does (trim_blocks, lstrip_blocks, Python value printing).
 * @throws TemplateError when the template calls `raise_exception` (e.g. a role it does not support).
 * @throws TemplateSyntaxError / TemplateRenderError when the template cannot be parsed or run.
 */
export function renderChatTemplate(
  template: string,
  messages: readonly ChatMessage[],
  options: RenderOptions = {},
): string {
  return renderCompiled(compileCached(template), messages, options);
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never split a surrogate pair.
  if (i > 0 && i < a.length && a.charCodeAt(i - 1) >= 0xd800 && a.charCodeAt(i - 1) < 0xdc00) i--;
  return i;
}

// Placeholder turns appended to find out what a later render keeps; unlikely to occur in real text.
const PROBE = '\u2063llamats-probe\u2063';

/**
 * Renders like {@link renderCompiled} and measures the stable prefix: the conversation is rendered once more
 * with a probe reply and a probe user turn appended, and the common prefix of the two texts is the part a
 * later request will repeat. Templates that rewrite history (e.g. Qwen 3 dropping earlier reasoning) get a
 * shorter prefix, which is correct; templates that raise on the probe fall back to the render without
 * generation prompt.
 */
export function renderCompiledWithPrefix(
  template: CompiledTemplate,
  messages: readonly ChatMessage[],
  options: RenderOptions = {},
): RenderedPrompt {
  const at = (options.now ?? (() => new Date()))();
  const frozen = { ...options, now: () => new Date(at.getTime()) };
  const text = renderCompiled(template, messages, frozen);
  const last = messages.at(-1)?.role;
  const probe: ChatMessage[] = [...messages];
  if (last !== 'assistant') probe.push({ role: 'assistant', content: PROBE });
  probe.push({ role: 'user', content: PROBE });
  let later: string;
  try {
    later = renderCompiled(template, probe, frozen);
  } catch {
    later = renderCompiled(template, messages, { ...frozen, addGenerationPrompt: false });
  }
  return { text, stablePrefixLength: commonPrefixLength(text, later) };
}

/**
 * `ChatTemplate`: a chat format bound to its special tokens, made from a GGUF file's metadata, a built-in
 * name or template text.
 */
import { type BuiltinTemplateName, builtinTemplateNames, findBuiltinTemplate } from './builtins.js';
import { detectTemplateName } from './detect.js';
import { UnknownTemplateError } from './errors.js';
import type { CompiledTemplate } from './jinja-runtime.js';
import {
  type ChatMessage,
  compileCached,
  type RenderedPrompt,
  type RenderOptions,
  renderCompiled,
  renderCompiledWithPrefix,
} from './render.js';

/** What a GGUF file must offer (structural, so `@llamats/gguf-format`'s `GgufFile` fits without a dependency). */
export interface GgufMetadataSource {
  get(key: string): unknown;
}

/** Where a template came from. */
export type TemplateOrigin = 'string' | 'builtin' | 'gguf' | 'gguf-guess';

export interface ChatTemplateInit {
  /** Text of the BOS token, printed where the template prints `bos_token`. */
  readonly bosToken?: string;
  /** Text of the EOS token. */
  readonly eosToken?: string;
  /** A label for error messages. */
  readonly name?: string;
}

export interface FromGgufOptions {
  /** A named alternative template (`tokenizer.chat_template.<variant>`, e.g. `tool_use`). */
  readonly variant?: string;
  /** Built-in used when the file has no template and nothing in its vocabulary suggests one. Default `chatml`. */
  readonly fallback?: BuiltinTemplateName;
}

type RenderDefaults = Omit<RenderOptions, 'bosToken' | 'eosToken'>;

function tokensOf(gguf: GgufMetadataSource): readonly unknown[] | undefined {
  const v = gguf.get('tokenizer.ggml.tokens');
  if (Array.isArray(v)) return v;
  const values = (v as { values?: unknown } | undefined)?.values;
  return Array.isArray(values) ? values : undefined;
}

function tokenText(gguf: GgufMetadataSource, tokens: readonly unknown[] | undefined, key: string): string {
  const id = gguf.get(key);
  const n = typeof id === 'bigint' ? Number(id) : id;
  if (typeof n !== 'number' || !tokens) return '';
  const t = tokens[n];
  return typeof t === 'string' ? t : '';
}

/** Guesses a built-in format for a GGUF without a template, from marker tokens and the model's name. */
function guessFromGguf(
  gguf: GgufMetadataSource,
  tokens: readonly unknown[] | undefined,
): BuiltinTemplateName | undefined {
  const vocab = new Set(tokens?.filter((t): t is string => typeof t === 'string' && t.startsWith('<')));
  if (vocab.has('<|start_header_id|>') && vocab.has('<|eot_id|>')) return 'llama3';
  if (vocab.has('<|im_start|>')) return 'chatml';
  if (vocab.has('<start_of_turn>')) return 'gemma';
  if (vocab.has('<|assistant|>') && vocab.has('<|end|>')) return 'phi3';
  const name = String(gguf.get('general.name') ?? '').toLowerCase();
  const byName: Array<[RegExp, BuiltinTemplateName]> = [
    [/zephyr/, 'zephyr'],
    [/mi[sx]tral/, 'mistral'],
    [/vicuna/, 'vicuna'],
    [/koala/, 'koala'],
    [/wizard/, 'wizardlm'],
    [/alpaca/, 'alpaca'],
    [/llama[-_ ]?v?2/, 'llama2'],
  ];
  return byName.find(([re]) => re.test(name))?.[1];
}

/** A chat format ready to render conversations. */
export class ChatTemplate {
  private constructor(
    private readonly compiled: CompiledTemplate,
    /** The Jinja source. */
    readonly source: string,
    readonly origin: TemplateOrigin,
    /** The built-in format this template is (or resembles, per {@link detectTemplateName}), if any. */
    readonly builtinName: BuiltinTemplateName | undefined,
    readonly bosToken: string,
    readonly eosToken: string,
  ) {}

  /** A template from Jinja text (e.g. a Hugging Face `chat_template`). */
  static fromString(source: string, init: ChatTemplateInit = {}): ChatTemplate {
    return new ChatTemplate(
      compileCached(source, init.name ?? 'from string'),
      source,
      'string',
      detectTemplateName(source),
      init.bosToken ?? '',
      init.eosToken ?? '',
    );
  }

  /**
   * A built-in format by name or alias (`llama2`, `llama3`, `alpaca`, `vicuna`, `vicuna-v0`, `koala`,
   * `wizardlm`, `chatml`, `mistral`, `zephyr`, `gemma`, `phi3`).
   * @throws UnknownTemplateError for other names.
   */
  static fromName(name: string, init: ChatTemplateInit = {}): ChatTemplate {
    const builtin = findBuiltinTemplate(name);
    if (!builtin) throw new UnknownTemplateError(name, builtinTemplateNames());
    return new ChatTemplate(
      compileCached(builtin.template, builtin.name),
      builtin.template,
      'builtin',
      builtin.name,
      init.bosToken ?? '',
      init.eosToken ?? '',
    );
  }

  /**
   * The template of a GGUF model: `tokenizer.chat_template` (or `tokenizer.chat_template.<variant>`) with the
   * file's BOS/EOS token texts; when the file has none, a built-in guessed from its vocabulary and name
   * (origin `gguf-guess`), else `options.fallback` (default `chatml`, as llama.cpp).
   */
  static fromGguf(gguf: GgufMetadataSource, options: FromGgufOptions = {}): ChatTemplate {
    const tokens = tokensOf(gguf);
    const bosToken = tokenText(gguf, tokens, 'tokenizer.ggml.bos_token_id');
    const eosToken = tokenText(gguf, tokens, 'tokenizer.ggml.eos_token_id');
    const key = options.variant ? `tokenizer.chat_template.${options.variant}` : 'tokenizer.chat_template';
    const text = gguf.get(key);
    if (typeof text === 'string' && text.length > 0) {
      const t = ChatTemplate.fromString(text, { bosToken, eosToken, name: key });
      return new ChatTemplate(t.compiled, text, 'gguf', t.builtinName, bosToken, eosToken);
    }
    const name = guessFromGguf(gguf, tokens) ?? options.fallback ?? 'chatml';
    const b = ChatTemplate.fromName(name);
    return new ChatTemplate(b.compiled, b.source, 'gguf-guess', b.builtinName, bosToken, eosToken);
  }

  /** Stop strings of the built-in format this template is (or resembles); empty when unknown. */
  get stopStrings(): readonly string[] {
    return this.builtinName ? (findBuiltinTemplate(this.builtinName)?.stop ?? []) : [];
  }

  /** Renders the conversation to prompt text (see {@link RenderOptions}; BOS/EOS default to this template's). */
  render(messages: readonly ChatMessage[], options: RenderOptions = {}): string {
    return renderCompiled(this.compiled, messages, this.withTokens(options));
  }

  /** Renders and reports the prefix that later turns keep (for KV cache reuse). */
  renderWithPrefix(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedPrompt {
    return renderCompiledWithPrefix(this.compiled, messages, this.withTokens(options));
  }

  private withTokens(options: RenderDefaults & RenderOptions): RenderOptions {
    return { bosToken: this.bosToken, eosToken: this.eosToken, ...options };
  }
}

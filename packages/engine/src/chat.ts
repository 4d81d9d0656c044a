/**
 * A conversation: message history rendered with the model's chat template, generated through one session
 * so that each turn reuses the cached prefix of the conversation.
 */
import { type ChatMessage, ChatTemplate } from '@llamats/chat-templates';
import type { Generation } from './generation.js';
import type { GenerateOptions, Model, Session, SessionOptions } from './model.js';

export interface ChatOptions {
  /** System prompt kept at the start of the conversation. */
  system?: string;
  /** A built-in template name (`'llama2'`, `'chatml'`...) or a Jinja template; default: the model's own. */
  template?: string;
  session?: SessionOptions;
}

export class Chat {
  readonly messages: ChatMessage[] = [];
  /** The chat format in use. */
  readonly template: ChatTemplate;

  constructor(
    readonly model: Model,
    readonly session: Session,
    options: ChatOptions,
  ) {
    this.template = templateFor(model, options.template);
    if (options.system) this.messages.push({ role: 'system', content: options.system });
  }

  /** Replaces the system prompt (takes effect next turn). */
  setSystem(text: string | undefined): void {
    if (this.messages[0]?.role === 'system') this.messages.shift();
    if (text) this.messages.unshift({ role: 'system', content: text });
  }

  /** Forgets the conversation (the system prompt stays). */
  reset(): void {
    const sys = this.messages[0]?.role === 'system' ? this.messages[0] : undefined;
    this.messages.length = 0;
    if (sys) this.messages.push(sys);
    this.session.reset();
  }

  /** The prompt text for the current history plus a generation prompt. */
  renderPrompt(): string {
    return this.template.render(this.messages, { addGenerationPrompt: true });
  }

  /** Sends a user message; the reply is streamed, and appended to the history when it completes. */
  send(userText: string, options: GenerateOptions = {}): Generation {
    this.messages.push({ role: 'user', content: userText });
    let gen: Generation;
    try {
      const prompt = this.renderPrompt();
      const t = this.model.tokenizer;
      const bosText = t.bos !== undefined ? t.tokenToPiece(t.bos) : undefined;
      // Templates print BOS as text; add it only when the template did not.
      const addSpecial = !(bosText && prompt.startsWith(bosText));
      const tokens = this.model.tokenize(prompt, { addSpecial, parseSpecial: true });
      gen = this.session.generate(tokens, {
        ...options,
        stop: [...(options.stop ?? []), ...this.template.stopStrings],
      });
    } catch (e) {
      this.messages.pop(); // the turn did not happen (e.g. PromptTooLongError)
      throw e;
    }
    gen.result.then(
      (r) => this.messages.push({ role: 'assistant', content: r.text }),
      () => this.messages.pop(),
    );
    return gen;
  }
}

/**
 * The model's own template, or `name` as a built-in (`'llama2'`, `'chatml'`...) or, when it contains Jinja
 * markup, as template text. BOS/EOS texts come from the model's vocabulary.
 */
export function templateFor(model: Model, name?: string): ChatTemplate {
  const own = ChatTemplate.fromGguf(model.gguf);
  if (!name) return own;
  const init = { bosToken: own.bosToken, eosToken: own.eosToken };
  return /\{[{%]/.test(name) ? ChatTemplate.fromString(name, init) : ChatTemplate.fromName(name, init);
}

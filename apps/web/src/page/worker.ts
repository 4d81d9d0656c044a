/**
 * The inference worker: loads the model and runs every generation, so the page's main thread never
 * computes. The wasm backend's own compute threads are Web Workers started from here (on shared memory when
 * the page is cross-origin isolated).
 */
import { type Chat, type Generation, loadModel, type Model, type Session } from '@llamats/engine';
import { planWebBackend } from '../plan-backend.js';
import type { FromWorker, ModelSourceMessage, ToWorker } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
  readonly crossOriginIsolated: boolean;
  readonly navigator: Navigator & { gpu?: { requestAdapter(): Promise<unknown> } };
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker) => scope.postMessage(m);

let model: Model | undefined;
let chat: Chat | undefined;
let chatSystem = '';
let session: Session | undefined;
let loadController: AbortController | undefined;
let generateController: AbortController | undefined;
let queue: Promise<void> = Promise.resolve();

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function hasGpuAdapter(): Promise<boolean> {
  try {
    return !!(await scope.navigator.gpu?.requestAdapter());
  } catch {
    return false;
  }
}

async function unload(): Promise<void> {
  const m = model;
  model = undefined;
  chat = undefined;
  session = undefined;
  await m?.dispose().catch(() => {});
}

async function load(source: ModelSourceMessage, backend: 'wasm' | 'webgpu'): Promise<void> {
  const controller = new AbortController();
  loadController = controller;
  await unload();
  const plan = planWebBackend({
    hasWebGpu: backend === 'webgpu' && (await hasGpuAdapter()),
    crossOriginIsolated: scope.crossOriginIsolated,
    hardwareConcurrency: scope.navigator.hardwareConcurrency || 1,
  });
  post({ type: 'plan', plan, crossOriginIsolated: scope.crossOriginIsolated });
  const t0 = performance.now();
  let lastPost = 0;
  try {
    const input = source.kind === 'file' ? source.file : source.url;
    const m = await loadModel(input, {
      backend: plan.backend,
      threads: plan.threads,
      signal: controller.signal,
      onProgress: (p) => {
        const t = performance.now();
        if (t - lastPost < 50 && p.loadedBytes < p.totalBytes) return;
        lastPost = t;
        post({ type: 'progress', loadedBytes: p.loadedBytes, totalBytes: p.totalBytes });
      },
    });
    if (controller.signal.aborted) {
      await m.dispose();
      throw new DOMException('Loading was cancelled', 'AbortError');
    }
    model = m;
    const name = source.kind === 'file' ? source.file.name : source.label;
    chat = m.chat();
    chatSystem = '';
    const template = chat.template.builtinName ?? "the model's own";
    post({
      type: 'loaded',
      info: {
        name,
        backend: m.backend.info.kind,
        threads: m.backend.info.threads,
        detail: m.backend.info.detail,
        nCtx: m.config.contextLength,
        vocabSize: m.tokenizer.vocabSize,
        chatTemplate: template,
        loadMs: performance.now() - t0,
      },
    });
  } catch (e) {
    const cancelled = controller.signal.aborted;
    post({ type: 'load-error', message: cancelled ? 'Loading was cancelled.' : explainLoadError(e), cancelled });
  } finally {
    if (loadController === controller) loadController = undefined;
  }
}

function explainLoadError(e: unknown): string {
  // The engine's errors already say what is wrong and what to do (e.g. "Not a GGUF file: it starts with ...").
  if (e instanceof TypeError && /fetch/i.test(e.message))
    return `${e.message}: the URL could not be fetched (is it reachable, and does it allow this page by CORS?)`;
  return message(e);
}

async function generate(msg: Extract<ToWorker, { type: 'generate' }>): Promise<void> {
  const m = model;
  if (!m) {
    post({ type: 'error', id: msg.id, message: 'No model is loaded: load one first.' });
    return;
  }
  const controller = new AbortController();
  generateController = controller;
  const options = {
    temperature: msg.settings.temperature,
    maxTokens: msg.settings.maxTokens,
    ignoreEos: msg.settings.ignoreEos,
    signal: controller.signal,
  };
  try {
    let gen: Generation;
    if (msg.mode === 'chat') {
      chat ??= m.chat();
      if (chatSystem !== msg.settings.system) {
        chat.setSystem(msg.settings.system || undefined);
        chatSystem = msg.settings.system;
      }
      gen = chat.send(msg.text, options);
    } else {
      session ??= m.createSession();
      gen = session.generate(msg.text, options);
    }
    for await (const piece of gen) if (piece.text) post({ type: 'piece', id: msg.id, text: piece.text });
    const r = await gen.result;
    post({
      type: 'done',
      id: msg.id,
      info: {
        finishReason: r.finishReason,
        tokens: r.tokens.length,
        tokensPerSecond: r.timings.generatedTokensPerSecond,
        promptTokens: r.promptTokens,
        promptMs: r.timings.promptMs,
      },
    });
  } catch (e) {
    post({ type: 'error', id: msg.id, message: message(e) });
  } finally {
    if (generateController === controller) generateController = undefined;
  }
}

scope.addEventListener('message', (e) => {
  const msg = e.data;
  switch (msg.type) {
    case 'cancel-load':
      loadController?.abort();
      return;
    case 'stop':
      generateController?.abort();
      return;
    case 'load':
      loadController?.abort();
      generateController?.abort();
      queue = queue.then(() => load(msg.source, msg.backend));
      return;
    case 'generate':
      queue = queue.then(() => generate(msg));
      return;
    case 'reset':
      chat?.reset();
      session?.reset();
      return;
  }
});

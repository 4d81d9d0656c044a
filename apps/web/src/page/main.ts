/**
 * The page: DOM and messages only. The model lives in a dedicated Web Worker (`worker.ts`); this thread
 * never computes, so the page stays responsive while tokens are generated.
 */
import { planWebBackend } from '../plan-backend.js';
import type { FromWorker, GenerateSettings, ModelSourceMessage, ToWorker } from './protocol.js';

const DEMO_MODEL = 'models/stories-demo-Q8_0.gguf';

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

const ui = {
  backendInfo: $<HTMLParagraphElement>('backend-info'),
  file: $<HTMLInputElement>('model-file'),
  url: $<HTMLInputElement>('model-url'),
  backend: $<HTMLSelectElement>('backend'),
  load: $<HTMLButtonElement>('load'),
  cancelLoad: $<HTMLButtonElement>('cancel-load'),
  progress: $<HTMLProgressElement>('load-progress'),
  loadStatus: $<HTMLSpanElement>('load-status'),
  mode: $<HTMLSelectElement>('mode'),
  temperature: $<HTMLInputElement>('temperature'),
  maxTokens: $<HTMLInputElement>('max-tokens'),
  ignoreEos: $<HTMLInputElement>('ignore-eos'),
  system: $<HTMLTextAreaElement>('system'),
  clear: $<HTMLButtonElement>('clear'),
  error: $<HTMLDivElement>('error'),
  messages: $<HTMLOListElement>('messages'),
  composer: $<HTMLFormElement>('composer'),
  prompt: $<HTMLTextAreaElement>('prompt'),
  send: $<HTMLButtonElement>('send'),
  stop: $<HTMLButtonElement>('stop'),
};

type State = 'idle' | 'loading' | 'ready' | 'generating';
let state: State = 'idle';
let modelLoaded = false;
let nextId = 1;
let loadingName = 'the model';
let current: { id: number; body: HTMLElement; item: HTMLLIElement } | undefined;

function setState(s: State): void {
  state = s;
  document.body.dataset.state = s;
  ui.load.disabled = s === 'loading' || s === 'generating';
  ui.cancelLoad.disabled = s !== 'loading';
  ui.send.disabled = !(s === 'ready' && modelLoaded);
  ui.stop.disabled = s !== 'generating';
}

function showError(text: string | undefined): void {
  ui.error.hidden = !text;
  ui.error.textContent = text ?? '';
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'llamats-inference' });
const send = (m: ToWorker) => worker.postMessage(m);

let workerFailure: string | undefined;
worker.addEventListener('error', (e) => {
  workerFailure = `The inference worker failed: ${e.message || 'it could not start (see the browser console)'}`;
  showError(workerFailure);
  setState(modelLoaded ? 'ready' : 'idle');
});

worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'plan': {
      ui.backendInfo.textContent = `Backend plan: ${m.plan.reason}.`;
      ui.backendInfo.classList.toggle('warn', !m.crossOriginIsolated && m.plan.backend === 'wasm');
      return;
    }
    case 'progress': {
      if (state !== 'loading') return; // a late report from a load that was cancelled
      const fraction = m.totalBytes ? m.loadedBytes / m.totalBytes : 1;
      ui.progress.value = fraction;
      ui.progress.dataset.loaded = String(m.loadedBytes);
      ui.progress.dataset.total = String(m.totalBytes);
      ui.loadStatus.textContent = `Loading: ${mb(m.loadedBytes)} / ${mb(m.totalBytes)} (${Math.round(fraction * 100)}%)`;
      return;
    }
    case 'loaded': {
      modelLoaded = true;
      const i = m.info;
      ui.progress.value = 1;
      ui.loadStatus.textContent =
        `Loaded ${i.name} in ${(i.loadMs / 1000).toFixed(1)} s (100%): context ${i.nCtx}, ` +
        `vocabulary ${i.vocabSize}, chat template ${i.chatTemplate}.`;
      ui.backendInfo.textContent += ` Running: ${i.detail}.`;
      ui.backendInfo.dataset.backend = i.backend;
      ui.backendInfo.dataset.threads = String(i.threads);
      setState('ready');
      ui.prompt.focus();
      return;
    }
    case 'load-error': {
      modelLoaded = false;
      ui.progress.value = 0;
      ui.loadStatus.textContent = m.cancelled ? 'Loading cancelled.' : 'Loading failed.';
      if (!m.cancelled) showError(`Could not load ${loadingName}. ${m.message}`);
      setState('idle');
      return;
    }
    case 'piece': {
      if (current?.id === m.id) current.body.append(m.text);
      ui.messages.scrollTop = ui.messages.scrollHeight;
      return;
    }
    case 'done': {
      if (current?.id !== m.id) return;
      const stats = document.createElement('span');
      stats.className = 'stats';
      const tps = m.info.tokensPerSecond;
      stats.textContent =
        `${m.info.tokens} tokens, ${tps.toFixed(1)} tokens/s` +
        ` (prompt ${m.info.promptTokens} tokens in ${m.info.promptMs.toFixed(0)} ms; finished: ${m.info.finishReason})`;
      current.item.append(stats);
      current.item.dataset.finish = m.info.finishReason;
      current.item.dataset.tokens = String(m.info.tokens);
      current.item.dataset.done = 'true';
      current = undefined;
      setState('ready');
      return;
    }
    case 'error': {
      if (current?.id === m.id) {
        current.item.dataset.done = 'error';
        current = undefined;
      }
      showError(m.message);
      setState(modelLoaded ? 'ready' : 'idle');
      return;
    }
  }
});

function selectedSource(): ModelSourceMessage | string {
  const kind = (document.querySelector('input[name="source"]:checked') as HTMLInputElement | null)?.value ?? 'demo';
  if (kind === 'file') {
    const file = ui.file.files?.[0];
    return file ? { kind: 'file', file } : 'Choose a GGUF file first.';
  }
  if (kind === 'url') {
    const text = ui.url.value.trim();
    if (!text) return 'Enter the URL of a GGUF file first.';
    try {
      return { kind: 'url', url: new URL(text, location.href).href, label: text };
    } catch {
      return `Not a valid URL: ${text}`;
    }
  }
  return { kind: 'url', url: new URL(DEMO_MODEL, location.href).href, label: 'the demo model (stories, Q8_0)' };
}

function loadSelected(): void {
  if (workerFailure) {
    showError(workerFailure);
    return;
  }
  const source = selectedSource();
  if (typeof source === 'string') {
    showError(source);
    return;
  }
  showError(undefined);
  loadingName = source.kind === 'file' ? source.file.name : source.label;
  modelLoaded = false;
  ui.progress.value = 0;
  ui.loadStatus.textContent = 'Opening the model…';
  setState('loading');
  send({ type: 'load', source, backend: ui.backend.value === 'webgpu' ? 'webgpu' : 'wasm' });
}

function numberIn(input: HTMLInputElement, fallback: number, min: number, max: number): number {
  const v = Number(input.value);
  return Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
}

function addMessage(role: 'user' | 'assistant', text: string, extraClass = ''): HTMLLIElement {
  ui.messages.querySelector('.empty')?.remove();
  const li = document.createElement('li');
  li.className = `${role} ${extraClass}`.trim();
  li.dataset.role = role;
  const body = document.createElement('span');
  body.className = 'body';
  body.textContent = text;
  li.append(body);
  ui.messages.append(li);
  ui.messages.scrollTop = ui.messages.scrollHeight;
  return li;
}

function sendPrompt(): void {
  if (state !== 'ready' || !modelLoaded) return;
  const text = ui.prompt.value;
  const mode = ui.mode.value === 'chat' ? 'chat' : 'complete';
  if (mode === 'chat' && !text.trim()) return;
  const settings: GenerateSettings = {
    temperature: numberIn(ui.temperature, 0.8, 0, 2),
    maxTokens: Math.round(numberIn(ui.maxTokens, 128, 1, 1 << 20)),
    ignoreEos: ui.ignoreEos.checked,
    system: ui.system.value.trim(),
  };
  showError(undefined);
  const id = nextId++;
  let item: HTMLLIElement;
  let body: HTMLElement;
  if (mode === 'chat') {
    addMessage('user', text);
    item = addMessage('assistant', '');
    body = item.querySelector('.body')!;
    ui.prompt.value = '';
  } else {
    // A completion shows the prompt (bold) followed by the model's continuation.
    item = addMessage('assistant', '', 'completion');
    const prompt = document.createElement('span');
    prompt.className = 'prompt';
    prompt.textContent = text;
    body = item.querySelector('.body')!;
    item.insertBefore(prompt, body);
  }
  item.dataset.mode = mode;
  current = { id, body, item };
  setState('generating');
  send({ type: 'generate', id, mode, text, settings });
}

ui.load.addEventListener('click', loadSelected);
ui.cancelLoad.addEventListener('click', () => send({ type: 'cancel-load' }));
ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  sendPrompt();
});
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    sendPrompt();
  }
});
ui.stop.addEventListener('click', () => send({ type: 'stop' }));
ui.clear.addEventListener('click', () => {
  ui.messages.replaceChildren();
  send({ type: 'reset' });
});
ui.file.addEventListener('change', () => {
  (document.querySelector('input[name="source"][value="file"]') as HTMLInputElement).checked = true;
});
ui.url.addEventListener('input', () => {
  (document.querySelector('input[name="source"][value="url"]') as HTMLInputElement).checked = true;
});

async function probe(): Promise<void> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  let adapter = false;
  try {
    adapter = !!(await gpu?.requestAdapter());
  } catch {
    adapter = false;
  }
  const webgpu = ui.backend.querySelector('option[value="webgpu"]') as HTMLOptionElement;
  webgpu.disabled = !adapter;
  webgpu.textContent = adapter ? 'WebGPU (experimental)' : 'WebGPU (no adapter)';
  const plan = planWebBackend({
    hasWebGpu: false,
    crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency || 1,
  });
  ui.backendInfo.textContent = `Backend plan: ${plan.reason}.`;
  ui.backendInfo.classList.toggle('warn', !crossOriginIsolated);
  document.body.dataset.isolated = String(crossOriginIsolated);
}

const empty = document.createElement('li');
empty.className = 'empty';
empty.textContent = 'Load a model, then send a message (or, in complete mode, a story opening).';
ui.messages.append(empty);
setState('idle');
void probe();

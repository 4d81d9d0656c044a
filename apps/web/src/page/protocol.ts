/** Messages between the page (main thread) and the inference worker. */
import type { WebBackendPlan } from '../plan-backend.js';

export type ModelSourceMessage =
  | { readonly kind: 'url'; readonly url: string; readonly label: string }
  | { readonly kind: 'file'; readonly file: File };

export interface GenerateSettings {
  readonly temperature: number;
  readonly maxTokens: number;
  /** Generate past end-of-generation tokens (as `llamats run --ignore-eos`): only max tokens or Stop end it. */
  readonly ignoreEos: boolean;
  readonly system: string;
}

export type ToWorker =
  | { readonly type: 'load'; readonly source: ModelSourceMessage; readonly backend: 'wasm' | 'webgpu' }
  | { readonly type: 'cancel-load' }
  | {
      readonly type: 'generate';
      readonly id: number;
      readonly mode: 'chat' | 'complete';
      readonly text: string;
      readonly settings: GenerateSettings;
    }
  | { readonly type: 'stop' }
  | { readonly type: 'reset' };

export interface LoadedInfo {
  readonly name: string;
  readonly backend: string;
  readonly threads: number;
  readonly detail: string;
  readonly nCtx: number;
  readonly vocabSize: number;
  readonly chatTemplate: string;
  readonly loadMs: number;
}

export interface DoneInfo {
  readonly finishReason: string;
  readonly tokens: number;
  readonly tokensPerSecond: number;
  readonly promptTokens: number;
  readonly promptMs: number;
}

export type FromWorker =
  | { readonly type: 'plan'; readonly plan: WebBackendPlan; readonly crossOriginIsolated: boolean }
  | { readonly type: 'progress'; readonly loadedBytes: number; readonly totalBytes: number }
  | { readonly type: 'loaded'; readonly info: LoadedInfo }
  | { readonly type: 'load-error'; readonly message: string; readonly cancelled: boolean }
  | { readonly type: 'piece'; readonly id: number; readonly text: string }
  | { readonly type: 'done'; readonly id: number; readonly info: DoneInfo }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

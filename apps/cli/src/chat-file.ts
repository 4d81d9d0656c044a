/**
 * `/save` and `/load` files of `llamats chat`: the message history (JSON) followed by the engine's session
 * bytes (tokens and KV cache), so a loaded conversation continues without recomputing its prompt.
 *
 * Layout: "LLTSCHAT" (8 bytes), u32 version, u32 JSON byte length, JSON, session bytes.
 */
import type { ChatMessage } from '@llamats/chat-templates';
import { CliError } from './errors.js';

const MAGIC = 'LLTSCHAT';
const VERSION = 1;

export interface SavedChat {
  readonly model: string;
  readonly messages: ChatMessage[];
  readonly session: Uint8Array;
}

export function encodeChatFile(chat: SavedChat): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ model: chat.model, messages: chat.messages }));
  const out = new Uint8Array(16 + json.byteLength + chat.session.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, json.byteLength, true);
  out.set(json, 16);
  out.set(chat.session, 16 + json.byteLength);
  return out;
}

export function decodeChatFile(bytes: Uint8Array, path: string): SavedChat {
  const bad = (why: string) => new CliError(`${path} is not a llamats chat file (${why}); save one with /save`);
  if (bytes.byteLength < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw bad('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw bad(`version ${version}, expected ${VERSION}`);
  const len = view.getUint32(12, true);
  if (16 + len > bytes.byteLength) throw bad('truncated');
  let parsed: { model?: unknown; messages?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + len)));
  } catch {
    throw bad('corrupt history');
  }
  if (!Array.isArray(parsed.messages)) throw bad('no message list');
  return {
    model: String(parsed.model ?? ''),
    messages: parsed.messages as ChatMessage[],
    session: bytes.slice(16 + len),
  };
}

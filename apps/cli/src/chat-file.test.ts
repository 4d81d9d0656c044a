import { describe, expect, it } from 'vitest';
import { decodeChatFile, encodeChatFile } from './chat-file.js';

describe('chat files', () => {
  it('round-trip the history and the session bytes', () => {
    const session = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Héllo 🦙' },
    ];
    const back = decodeChatFile(encodeChatFile({ model: 'm.gguf', messages, session }), 'x');
    expect(back).toEqual({ model: 'm.gguf', messages, session });
  });

  it('reject other files with a message that names the file', () => {
    expect(() => decodeChatFile(new TextEncoder().encode('GGUF and then some'), 'model.gguf')).toThrow(
      /^model\.gguf is not a llamats chat file \(bad magic\); save one with \/save$/,
    );
    const good = encodeChatFile({ model: '', messages: [], session: new Uint8Array(4) });
    expect(() => decodeChatFile(good.subarray(0, 18), 'cut.bin')).toThrow(/truncated/);
  });
});

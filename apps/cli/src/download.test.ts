import { describe, expect, it } from 'vitest';
import { cacheFileName } from './download.js';

describe('cacheFileName', () => {
  it('keeps the last path segment, decoded and made safe', () => {
    expect(cacheFileName(new URL('https://h.example/org/repo/resolve/main/TinyLlama-Q4_K_M.gguf?download=true'))).toBe(
      'TinyLlama-Q4_K_M.gguf',
    );
    expect(cacheFileName(new URL('https://h.example/a/my%20model%3A1.gguf'))).toBe('my_model_1.gguf');
    expect(cacheFileName(new URL('https://h.example/'))).toBe('model.gguf');
    expect(cacheFileName(new URL('https://h.example/a/..%2F..%2Fetc'))).toBe('.._.._etc');
  });
});

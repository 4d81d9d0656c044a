import { describe, expect, it } from 'vitest';
import { RequestValidationError, validateChatCompletionRequest } from './validate.js';

describe('validateChatCompletionRequest', () => {
  it('accepts a minimal OpenAI request', () => {
    const r = validateChatCompletionRequest({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.5 });
    expect(r.messages[0].content).toBe('hi');
  });
  it('names the offending parameter in an OpenAI-style error body', () => {
    try {
      validateChatCompletionRequest({ messages: [{ role: 'user', content: 'hi' }], top_p: 3 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RequestValidationError);
      expect((e as RequestValidationError).toBody()).toEqual({
        error: {
          message: "'top_p' must be a number between 0 and 1, got 3",
          type: 'invalid_request_error',
          param: 'top_p',
          code: null,
        },
      });
    }
  });
  it('rejects bad messages', () => {
    expect(() => validateChatCompletionRequest({ messages: [] })).toThrow(/non-empty/);
    expect(() => validateChatCompletionRequest({ messages: [{ role: 'robot', content: '' }] })).toThrow(/role/);
    expect(() => validateChatCompletionRequest('x')).toThrow(/JSON object/);
  });
});

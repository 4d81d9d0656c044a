import { openGgufFile } from '@llamats/gguf-format/node';
import { demoModelPath } from '@llamats/test-fixtures';
import { expect, it } from 'vitest';
import { Tokenizer } from './index.js';

it('README example', async () => {
  const gguf = await openGgufFile(demoModelPath);
  const tok = Tokenizer.fromGguf(gguf);
  await gguf.close();
  const ids = tok.encode('Once upon a time');
  expect(ids).toEqual([1, 9038, 2501, 263, 931]);
  expect(tok.decode(ids)).toBe(' Once upon a time');
  expect(tok.decode(ids, { stripLeadingSpace: true })).toBe('Once upon a time');
  expect(tok.decode(tok.encode('Once upon a time', { addSpecial: false }))).toBe('Once upon a time');
  const stream = tok.createStreamDecoder({ stripLeadingSpace: false });
  expect(ids.map((id) => stream.push(id)).join('') + stream.flush()).toBe(' Once upon a time');
});

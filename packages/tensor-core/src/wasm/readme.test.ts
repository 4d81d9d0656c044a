// Runs the example of src/wasm/README.md as written (its imports bound to this package and gguf-format).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as gguf from '@llamats/gguf-format';
import { expect, it } from 'vitest';
import * as tensorCore from '../index.js';

it('the README example runs and prints the product', async () => {
  const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)![1];
  const modules: Record<string, unknown> = { '@llamats/tensor-core': tensorCore, '@llamats/gguf-format': gguf };
  const body = code.replace(/import \{([^}]*)\} from '([^']+)';/g, (_, names: string, from: string) => {
    if (!(from in modules)) throw new Error(`README imports ${from}`);
    return `const {${names}} = modules['${from}'];`;
  });
  const printed: unknown[] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  await new AsyncFunction('modules', 'console', body)(modules, { log: (v: unknown) => printed.push(v) });
  expect(printed).toHaveLength(1);
  expect(Array.from(printed[0] as Float32Array)).toEqual(new Array(8).fill(128));
});

/**
 * Real chat templates (../shared/fixtures/templates, committed under fixtures/templates) rendered as
 * transformers renders them: every case must be byte-identical to `expected`, or raise `error`.
 */
import { hasFixture, listFixtures, readFixture, readFixtureJson } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { ChatTemplate } from './chat-template.js';
import type { ChatMessage } from './render.js';

interface FixtureCase {
  conversation: string;
  messages: ChatMessage[];
  bos_token: string;
  eos_token: string;
  add_generation_prompt: boolean;
  date_string: string;
  expected: string | null;
  error: string | null;
}
interface FixtureFile {
  template: string;
  cases: FixtureCase[];
}

// The fixed time the fixtures were rendered at (local time, like Python's naive datetime.now()).
const FIXED_NOW = () => new Date(2026, 10, 22, 12, 0, 0);

const files = listFixtures('templates', '.expected.json');

describe('chat template fixtures', () => {
  it('has fixtures to test', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  for (const file of files) {
    const spec = readFixtureJson<FixtureFile>(`templates/${file}`);
    describe(spec.template, () => {
      for (const c of spec.cases) {
        it.skipIf(!hasFixture(`templates/${spec.template}`))(c.conversation, () => {
          const source = readFixture(`templates/${spec.template}`).toString('utf8');
          const template = ChatTemplate.fromString(source, { bosToken: c.bos_token, eosToken: c.eos_token });
          const render = () =>
            template.render(c.messages, {
              addGenerationPrompt: c.add_generation_prompt,
              dateString: c.date_string,
              now: FIXED_NOW,
            });
          if (c.error !== null) {
            let thrown: unknown;
            try {
              render();
            } catch (e) {
              thrown = e;
            }
            expect(thrown).toBeInstanceOf(Error);
            expect(`${(thrown as Error).name}: ${(thrown as Error).message}`).toBe(c.error);
          } else {
            expect(render()).toBe(c.expected);
          }
        });
      }
    });
  }
});

/**
 * Differential test against Python's jinja2 (the engine transformers uses): every built-in and every fixture
 * template renders several conversations (tools, tool calls, quotes, non-ASCII, no generation prompt) and the
 * output must equal jinja2's byte for byte, or both must fail. Skipped where no python3 with jinja2 can be had (see pythonWithJinja2).
 * Set LLAMATS_EXTRA_TEMPLATES=<dir of .jinja files> to check more templates.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFixtures, readFixture } from '@llamats/test-fixtures';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES } from './builtins.js';
import { type ChatMessage, renderChatTemplate } from './render.js';

/**
 * A Python that has jinja2: `python3` on PATH (pyenv's shim here, when PATH puts it first), else the system's,
 * else the system's after installing Debian's python3-jinja2 (as root, with apt-get, as the WebGPU and browser
 * tests install what they need). Each probe is tried twice: one failed probe under load must not skip the test.
 */
function pythonWithJinja2(): string | undefined {
  const probe = (python: string) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        execFileSync(python, ['-c', 'import jinja2'], { stdio: 'ignore', timeout: 30_000 });
        return true;
      } catch {}
    }
    return false;
  };
  for (const python of ['python3', '/usr/bin/python3']) if (probe(python)) return python;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get') || !existsSync('/usr/bin/python3')) return undefined;
  const apt = (...args: string[]) =>
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
      stdio: 'ignore',
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    apt('install', '-y', '-qq', '--no-install-recommends', 'python3-jinja2');
  } catch {
    try {
      apt('update', '-qq');
      apt('install', '-y', '-qq', '--no-install-recommends', 'python3-jinja2');
    } catch {}
  }
  return probe('/usr/bin/python3') ? '/usr/bin/python3' : undefined;
}

const python = pythonWithJinja2();

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City' }, unit: { type: 'string', enum: ['c', 'f'] } },
        required: ['city'],
      },
    },
  },
];

const conversations: { name: string; messages: ChatMessage[]; tools?: unknown[]; generate: boolean }[] = [
  {
    name: 'system+user',
    generate: true,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi there' },
    ],
  },
  {
    name: 'multi-turn with quotes',
    generate: true,
    messages: [
      { role: 'user', content: '  Hello  ' },
      { role: 'assistant', content: 'Hi! How can I help?' },
      { role: 'user', content: 'Tell me \'a\' "joke"\nplease' },
    ],
  },
  {
    name: 'tools',
    generate: true,
    tools,
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
      },
      { role: 'tool', name: 'get_weather', content: '{"temp": 20}' },
      { role: 'user', content: 'Thanks, é ü 😀' },
    ],
  },
  {
    name: 'no generation prompt, reasoning',
    generate: false,
    messages: [
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: '<think>\nhmm\n</think>\n\nA' },
    ],
  },
];

function templates(): [string, string][] {
  const out: [string, string][] = BUILTIN_TEMPLATES.map((b) => [`builtin:${b.name}`, b.template]);
  for (const f of listFixtures('templates', '.jinja')) out.push([f, readFixture(`templates/${f}`).toString('utf8')]);
  const extra = process.env.LLAMATS_EXTRA_TEMPLATES;
  if (extra) for (const f of readdirSync(extra)) out.push([f, readFileSync(join(extra, f), 'utf8')]);
  return out;
}

describe.skipIf(!python)('agreement with jinja2', () => {
  it('renders every template and conversation as jinja2 does', () => {
    const jobs = templates().flatMap(([name, template]) =>
      conversations.map((c) => ({
        label: `${name} / ${c.name}`,
        template,
        conversation: c,
        variables: {
          messages: c.messages,
          bos_token: '<s>',
          eos_token: '</s>',
          add_generation_prompt: c.generate,
          ...(c.tools ? { tools: c.tools } : {}),
        },
      })),
    );
    const dir = mkdtempSync(join(tmpdir(), 'llamats-jinja2-'));
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'jinja2_reference.py');
    execFileSync(python!, [script, join(dir, 'jobs.json'), join(dir, 'out.json')]);
    const reference = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { text?: string; error?: string }[];

    const mismatches: string[] = [];
    jobs.forEach((job, i) => {
      let ours: { text?: string; error?: string };
      try {
        ours = {
          text: renderChatTemplate(job.template, job.conversation.messages, {
            bosToken: '<s>',
            eosToken: '</s>',
            addGenerationPrompt: job.conversation.generate,
            tools: job.conversation.tools,
            now: () => new Date(2026, 10, 22, 12, 0, 0),
          }),
        };
      } catch (e) {
        ours = { error: `${(e as Error).name}: ${(e as Error).message}` };
      }
      const ref = reference[i];
      const agree = ref.text !== undefined ? ours.text === ref.text : ours.error !== undefined;
      if (!agree) mismatches.push(`${job.label}\n  ours:   ${JSON.stringify(ours)}\n  jinja2: ${JSON.stringify(ref)}`);
    });
    expect(mismatches.join('\n')).toBe('');
    expect(jobs.length).toBeGreaterThan(80);
  });
});

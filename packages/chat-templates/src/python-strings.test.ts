import { describe, expect, it } from 'vitest';
import { decodePythonEscapes, normalizeStringLiterals } from './python-strings.js';
import { renderChatTemplate } from './render.js';

describe('Python string escapes in templates', () => {
  it('decodes like Python unicode-escape', () => {
    expect(decodePythonEscapes('a\\\nb')).toBe('ab');
    expect(decodePythonEscapes('\\t\\n\\\\\\"\\x41\\u00e9\\U0001F600\\101')).toBe('\t\n\\"Aé😀A');
    expect(decodePythonEscapes('\\d+\\s')).toBe('\\d+\\s');
  });

  it('rewrites literals inside tags only', () => {
    expect(normalizeStringLiterals('a\\d {{ "x\\d" }} {# "\\q" #} {% set y = \'it\\\'s\' %}')).toBe(
      'a\\d {{ "x\\\\d" }} {# "\\q" #} {% set y = "it\'s" %}',
    );
    expect(normalizeStringLiterals('{% raw %}{{ "\\q" }}{% endraw %}')).toBe('{% raw %}{{ "\\q" }}{% endraw %}');
  });

  it('renders a line continuation as jinja2 does (Mistral Small 3.1 template style)', () => {
    const t = '{%- set msg = "first.\\\nsecond \\"q\\"\\there" %}{{ msg }}|{{ "\\d" }}';
    expect(renderChatTemplate(t, [])).toBe('first.second "q"\there|\\d');
  });
});

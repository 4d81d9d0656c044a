import { describe, expect, it } from 'vitest';
import { pyFloatRepr, pyStrRepr } from './python-format.js';
import { renderChatTemplate } from './render.js';

describe('pyFloatRepr (Python repr of float)', () => {
  it.each([
    [1, '1.0'],
    [1.5, '1.5'],
    [0.1, '0.1'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e16, '1e+16'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1234567890123456, '1234567890123456.0'],
    [-2.5e-7, '-2.5e-07'],
    [0, '0.0'],
    [-0, '-0.0'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NaN, 'nan'],
  ])('%d → %s', (x, s) => {
    expect(pyFloatRepr(x)).toBe(s);
  });
});

describe('pyStrRepr (Python repr of str)', () => {
  it.each([
    ['abc', "'abc'"],
    ["it's", `"it's"`],
    [`'"`, `'\\'"'`],
    ['a\nb\t\\', "'a\\nb\\t\\\\'"],
    ['\x01é\u2028', "'\\x01é\\u2028'"],
  ])('%s', (s, r) => {
    expect(pyStrRepr(s)).toBe(r);
  });
});

describe('printing values like jinja2', () => {
  const r = (t: string, variables: Record<string, unknown> = {}) => renderChatTemplate(t, [], { variables });
  it('prints None, True and containers with Python syntax', () => {
    expect(r('{{ none }}|{{ true }}|{{ x }}|{{ y }}', { x: [1, 'a', null, false], y: { k: "it's", n: 2.5 } })).toBe(
      `None|True|[1, 'a', None, False]|{'k': "it's", 'n': 2.5}`,
    );
  });
  it('prints undefined as empty text and floats as Python does', () => {
    expect(r('[{{ missing }}] {{ 4 / 2 }} {{ 7 // 2 }}')).toBe('[] 2.0 3');
  });
  it('loops over an undefined variable zero times and over a string by characters', () => {
    expect(r('{% for t in tools %}x{% else %}none{% endfor %}|{% for c in "abc" %}{{ c }}.{% endfor %}')).toBe(
      'none|a.b.c.',
    );
  });
  it('applies trim_blocks and lstrip_blocks', () => {
    expect(r('a\n  {% if true %}\nb\n  {% endif %}\nc')).toBe('a\nb\nc');
  });
});

import { describe, expect, it } from 'vitest';
import { strftime } from './strftime.js';

// Expected strings are what Python 3 prints on Linux for datetime(2026, 11, 22, 12, 0, 0).strftime(fmt).
const d = new Date(2026, 10, 22, 12, 0, 0);

describe('strftime (Python semantics)', () => {
  it.each([
    ['%d %b %Y', '22 Nov 2026'],
    ['%B %d, %Y', 'November 22, 2026'],
    ['%Y-%m-%d', '2026-11-22'],
    ['%A %a %j', 'Sunday Sun 326'],
    ['%H:%M:%S %I %p', '12:00:00 12 PM'],
    ['%y %C %w %u', '26 20 0 7'],
    ['%U %W %V %G', '47 46 47 2026'],
    ['%c', 'Sun Nov 22 12:00:00 2026'],
    ['%x %X %D %F %T', '11/22/26 12:00:00 11/22/26 2026-11-22 12:00:00'],
    ['%-d/%-m %e %%', '22/11 22 %'],
    ['[%z%Z] %q', '[] %q'],
  ])('%s', (fmt, out) => {
    expect(strftime(d, fmt)).toBe(out);
  });

  it('pads single-digit fields as glibc does', () => {
    const early = new Date(2025, 0, 5, 7, 3, 9);
    expect(strftime(early, '%d|%-d|%_d|%e|%m|%H|%-H|%I|%M|%S|%j')).toBe('05|5| 5| 5|01|07|7|07|03|09|005');
    expect(strftime(early, '%^a %^B')).toBe('SUN JANUARY');
  });
});

import { describe, expect, it } from 'vitest';
import { meanStd } from './stats.js';
import { formatBytes, formatTable, styleFor } from './style.js';

describe('formatting', () => {
  it('aligns table columns, right-aligned where asked', () => {
    expect(
      formatTable(
        ['name', 'n'],
        [
          ['a', '1'],
          ['bbb', '22'],
        ],
        [false, true],
      ),
    ).toBe(['| name |  n |', '| ---- | -: |', '| a    |  1 |', '| bbb  | 22 |'].join('\n'));
  });

  it('prints sizes in binary units', () => {
    expect([formatBytes(512), formatBytes(5 * 1024 * 1024), formatBytes(1.5 * 1024 ** 3)]).toEqual([
      '512 B',
      '5.00 MiB',
      '1.50 GiB',
    ]);
  });

  it('colours only terminals without NO_COLOR', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(styleFor(tty, {}).red('x')).toBe('\x1b[31mx\x1b[39m');
    expect(styleFor(tty, { NO_COLOR: '' }).red('x')).toBe('x');
    expect(styleFor({ isTTY: false } as NodeJS.WriteStream, {}).red('x')).toBe('x');
  });

  it('computes mean and sample standard deviation', () => {
    expect(meanStd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, std: Math.sqrt(32 / 7) });
    expect(meanStd([3])).toEqual({ mean: 3, std: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { measureBandwidth } from '../node.js';

describe('measureBandwidth', () => {
  it('measures a plausible memory read bandwidth on one and two threads', async () => {
    for (const threads of [1, 2]) {
      const bw = await measureBandwidth(threads, { bytes: 64 << 20, passes: 2 });
      expect(bw, `${threads} thread(s)`).toBeGreaterThan(1e9);
      expect(bw, `${threads} thread(s)`).toBeLessThan(1e12);
    }
  });
});

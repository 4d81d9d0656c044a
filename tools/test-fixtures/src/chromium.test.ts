import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS, ensureChromium } from './chromium.js';

describe('ensureChromium', () => {
  it('resolves a Chromium that exists, or (outside CI only) a reason to skip', async () => {
    const r = await ensureChromium({ attempts: 1 });
    if (r.path) expect(existsSync(r.path)).toBe(true);
    else {
      expect(process.env.CI).toBeFalsy();
      expect(r.skip).toMatch(/chromium/i);
    }
    // Asked again, it answers the same without a second install attempt.
    expect(await ensureChromium()).toEqual(r);
  }, 900_000);

  it('launches headless and offline', () => {
    expect(CHROMIUM_FLAGS).toEqual(expect.arrayContaining(['--headless', '--no-sandbox', '--disable-gpu']));
  });
});

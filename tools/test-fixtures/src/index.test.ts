import { describe, expect, it } from 'vitest';
import { committedFixturesDir, fixturePath, relRms } from './index.js';

describe('test-fixtures', () => {
  it('computes rel-RMS as ../shared/README.md defines it', () => {
    expect(relRms([1, 2, 3], [1, 2, 3])).toBe(0);
    // sqrt(mean([1,0,0]^2)) / sqrt(mean([1,2,2]^2)) = sqrt(1/3) / sqrt(3) = 1/3
    expect(relRms([2, 2, 2], [1, 2, 2])).toBeCloseTo(1 / 3, 12);
  });
  it('finds the demo model and reports missing fixtures as undefined', () => {
    expect(fixturePath('models/stories-demo-Q8_0.gguf')).toMatch(/stories-demo-Q8_0\.gguf$/);
    expect(fixturePath('models/does-not-exist.gguf')).toBeUndefined();
    expect(committedFixturesDir).toMatch(/fixtures$/);
  });
});

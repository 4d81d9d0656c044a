import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// The tests run the built CLI as a process; test/build.ts compiles it first when the sources changed.
export default mergeConfig(shared, defineConfig({ test: { globalSetup: ['test/build.ts'] } }));

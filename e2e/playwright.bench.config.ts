import { defineConfig } from '@playwright/test';
import base from './playwright.config.js';
import type { SandboxOptions } from './fixtures.js';

// `npm run bench:console-scale`: the console (web host in Chromium) against a 32-node sandbox. A
// benchmark, not a test: it prints figures and is not part of `npm test`.
export default defineConfig<object, SandboxOptions>({
  ...base,
  testDir: 'bench',
  outputDir: 'test-results/bench-artifacts',
  timeout: 900_000,
  // No trace: recording every action's DOM would weigh on what is measured.
  use: { ...base.use, trace: 'off', sandboxNodes: 32 },
});

import { defineConfig } from 'vitest/config';

// Multi-node tests start real PostgreSQL and node processes and measure failover timing:
// on two cores they run one file at a time.
export default defineConfig({
  test: {
    include: ['server-node/src/**/*.test.ts', 'electron/src/**/*.test.ts', 'renderer/src/**/*.test.ts'],
    globalSetup: ['server-node/src/test-support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from '@playwright/test';

// The console's end-to-end suite: the web host (`console:web`) in Chromium against real sandbox
// clusters. Playwright's own browser builds cannot be downloaded on the build machines, so the
// system Chromium is used (FACTS.md), with the flags that keep it quiet and offline.
export default defineConfig({
  testDir: 'tests',
  outputDir: 'test-results/artifacts',
  // One sandbox cluster at a time: each is PostgreSQL + 3 nodes + a balancer on two cores.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});

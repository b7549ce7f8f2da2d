import { defineConfig } from '@playwright/test'
import { chromiumLaunch } from './tests/chromium'

// Browser tests against the real jiceng binary on a fresh SQLite demo county (started once in
// tests/e2e/global-setup.ts on a free port), driving Debian's Chromium.
export default defineConfig({
  testDir: './tests/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  reporter: [['list']],
  outputDir: 'test-results/output',
  use: {
    testIdAttribute: 'data-test',
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunch,
  },
})

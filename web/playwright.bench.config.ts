import { defineConfig } from '@playwright/test'
import { chromiumLaunch } from './tests/chromium'

// The UI benchmark (make bench-ui): the real jiceng binary on a prepared data directory
// (JICENG_BENCH_DATA, grown to a million orders by scripts/ui-bench-data.py), started once in
// bench/global-setup.ts, driven by Debian's Chromium with the same launch options as the
// browser tests. One worker, so the timings do not compete with each other.
export default defineConfig({
  testDir: './bench',
  testMatch: '*.bench.ts',
  globalSetup: './bench/global-setup.ts',
  timeout: 900_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/bench',
  use: {
    testIdAttribute: 'data-test',
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunch,
  },
})

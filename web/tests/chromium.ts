// Debian's Chromium as the browser tests and the UI bench launch it: no sandbox (root in CI), no
// shared memory, and none of the background connections a closed network refuses.
export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-dev-shm-usage',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
}

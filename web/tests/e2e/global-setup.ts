// Starts `jiceng serve --demo` on a fresh data directory and a free port; the tests read the
// address from JICENG_E2E_URL. The returned function is the run's teardown: it stops this run's
// server only.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serveJiceng } from '../serve'

export default async function globalSetup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'jiceng-e2e-'))
  const server = await serveJiceng(['--demo', '--data-dir', dataDir], 180)
  process.env.JICENG_E2E_URL = server.url
  return async () => {
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

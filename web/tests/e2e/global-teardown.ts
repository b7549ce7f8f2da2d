import { readFileSync, rmSync } from 'node:fs'
import { STATE } from './global-setup'

export default async function globalTeardown() {
  try {
    const { pid, dataDir } = JSON.parse(readFileSync(STATE, 'utf8')) as { pid: number; dataDir: string }
    process.kill(pid, 'SIGTERM')
    await new Promise((r) => setTimeout(r, 500))
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(STATE, { force: true })
  } catch {
    // Nothing was started.
  }
}

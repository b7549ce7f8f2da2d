// Starts `jiceng serve --demo` on a fresh data directory and a free port; the tests read the
// address from JICENG_E2E_URL. The binary is JICENG_BIN (the Makefile passes the debug build).
// The returned function is the run's teardown: it stops this run's server only.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default async function globalSetup() {
  const bin = process.env.JICENG_BIN
  if (!bin) throw new Error('JICENG_BIN must name the jiceng binary (make test sets it)')
  const dataDir = mkdtempSync(join(tmpdir(), 'jiceng-e2e-'))
  const child = spawn(bin, ['serve', '--demo', '--insecure-cookies', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  })
  let log = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 180 s:\n${log}`)), 180_000)
    const read = (chunk: Buffer) => {
      log += chunk.toString()
      const m = /listening on (http:\/\/[\d.:]+)/.exec(log)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${log}`)))
  })
  child.stdout.removeAllListeners('data')
  child.stderr.removeAllListeners('data')
  child.stdout.resume()
  child.stderr.resume()
  process.env.JICENG_E2E_URL = url
  return async () => {
    child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 500))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

// Starts `jiceng serve` on the prepared data directory JICENG_BENCH_DATA (not --demo: the
// directory already holds the demo county grown by scripts/ui-bench-data.py) on a free port; the
// bench reads the address from JICENG_BENCH_URL. The binary is JICENG_BIN (the Makefile passes
// the release build). The returned function stops this run's server only; the data directory
// belongs to the caller.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export default async function globalSetup() {
  const bin = process.env.JICENG_BIN
  if (!bin) throw new Error('JICENG_BIN must name the jiceng binary (make bench-ui sets it)')
  const dataDir = process.env.JICENG_BENCH_DATA
  if (!dataDir || !existsSync(join(dataDir, 'jiceng.db'))) {
    throw new Error('JICENG_BENCH_DATA must name a data directory with jiceng.db (make bench-ui prepares it)')
  }
  const child = spawn(bin, ['serve', '--insecure-cookies', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  })
  let log = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 300 s:\n${log}`)), 300_000)
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
  process.env.JICENG_BENCH_URL = url
  return async () => {
    child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 500))
  }
}

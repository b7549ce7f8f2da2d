// Starts `jiceng serve` with these arguments on a free port and waits until it listens: the
// browser tests' and the UI bench's server. The binary is JICENG_BIN (the Makefile passes it).
import { spawn } from 'node:child_process'

export interface Served {
  url: string
  /** Stops this server (and no other). */
  stop: () => Promise<void>
}

export async function serveJiceng(args: string[], startSeconds: number): Promise<Served> {
  const bin = process.env.JICENG_BIN
  if (!bin) throw new Error('JICENG_BIN must name the jiceng binary (make test and make bench-ui set it)')
  const child = spawn(bin, ['serve', '--insecure-cookies', '--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  })
  let log = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in ${startSeconds} s:\n${log}`)), startSeconds * 1000)
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
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 500))
    },
  }
}

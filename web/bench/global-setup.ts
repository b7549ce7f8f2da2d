// Starts `jiceng serve` on the prepared data directory JICENG_BENCH_DATA (not --demo: the
// directory already holds the demo county grown by scripts/ui-bench-data.py) on a free port; the
// bench reads the address from JICENG_BENCH_URL. The returned function stops this run's server
// only; the data directory belongs to the caller.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { serveJiceng } from '../tests/serve'

export default async function globalSetup() {
  const dataDir = process.env.JICENG_BENCH_DATA
  if (!dataDir || !existsSync(join(dataDir, 'jiceng.db'))) {
    throw new Error('JICENG_BENCH_DATA must name a data directory with jiceng.db (make bench-ui prepares it)')
  }
  const server = await serveJiceng(['--data-dir', dataDir], 300)
  process.env.JICENG_BENCH_URL = server.url
  return server.stop
}

// The UI benchmark (make bench-ui, report in bench/out/ui.md).
//
// With the prepared county (a million orders in SQLite), the handler's inbox and the filtered
// order list must show their first page in under 1 s at p95 over 20 fresh loads. Each page's
// baseline is the bare API request for the same first page, timed from the same browser context
// in the same run. The JavaScript sizes are the compressed bytes the browser received (it sends
// Accept-Encoding: br) for the citizen portal's first page and the console's, cross-checked
// against the .br files of the build (web/dist/assets).
import { type BrowserContext, type Page, type Response, expect, test } from '@playwright/test'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PASSWORD = 'jiceng-demo'
const LOADS = 20
const PAGE_TARGET_MS = 1000
const PORTAL_TARGET = 250_000
const CONSOLE_TARGET = 900_000
const ROW = '[data-test=order-table] tbody tr'
const DIST = process.env.JICENG_WEB_DIR ?? join(process.cwd(), 'dist')
const REPORT = join(process.cwd(), '..', 'bench', 'out', 'ui.md')

const PAGES = [
  {
    name: "Handler's inbox (待办: to handle)",
    page: '/console/inbox/to_handle',
    api: '/api/v1/work-orders/inbox/to_handle?sort=deadline&limit=50',
  },
  {
    name: 'Order list, filtered (handling, suspended; by deadline)',
    page: '/console/orders?status=handling,suspended&sort=deadline',
    api: '/api/v1/work-orders?status=handling,suspended&sort=deadline&limit=50',
  },
]

test.use({
  baseURL: (() => {
    const url = process.env.JICENG_BENCH_URL
    if (!url) throw new Error('JICENG_BENCH_URL is not set: run through playwright.bench.config.ts')
    return url
  })(),
})

function quantile(sorted: number[], q: number): number {
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i] ?? NaN
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b)
  return { p50: quantile(s, 0.5), p95: quantile(s, 0.95), max: s[s.length - 1] ?? NaN }
}

const ms = (v: number) => `${v.toFixed(0)} ms`
const kb = (v: number) => `${(v / 1000).toFixed(1)} kB`
const verdict = (ok: boolean) => (ok ? '**PASS**' : '**FAIL**')

async function login(page: Page) {
  await page.goto('/login')
  await page.getByTestId('username').fill('handler')
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('who')).toBeVisible()
}

/** The orders in the database (SQL on the data directory's SQLite file, read-only). */
function countOrders(): { total: number; archived: number } {
  const db = join(process.env.JICENG_BENCH_DATA ?? '', 'jiceng.db')
  const out = execFileSync('python3', [
    '-c',
    `import sqlite3, sys
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
print(c.execute("SELECT count(*), count(*) FILTER (WHERE status = 'archived') FROM work_orders").fetchone()[0:2])`,
    db,
  ]).toString()
  const m = /\((\d+), (\d+)\)/.exec(out)
  if (!m) throw new Error(`could not count the orders: ${out}`)
  return { total: Number(m[1]), archived: Number(m[2]) }
}

interface Script {
  path: string
  acceptEncoding: string
  encoding: string
  received: number
  brFile: number | null
}

/** Loads `path` in `context` (no HTTP cache yet) and measures the JavaScript it received. */
async function scriptsOf(context: BrowserContext, path: string, ready: (page: Page) => Promise<void>) {
  const page = await context.newPage()
  const responses: Response[] = []
  page.on('response', (r) => {
    const url = new URL(r.url())
    const type = r.headers()['content-type'] ?? ''
    if (url.pathname.endsWith('.js') || type.includes('javascript')) responses.push(r)
  })
  await page.goto(path, { waitUntil: 'networkidle' })
  await ready(page)
  await page.waitForLoadState('networkidle')
  const scripts: Script[] = []
  for (const r of responses) {
    await r.finished()
    const sizes = await r.request().sizes()
    const pathname = new URL(r.url()).pathname
    const br = join(DIST, pathname.replace(/^\//, '') + '.br')
    const headers = await r.allHeaders()
    scripts.push({
      path: pathname,
      acceptEncoding: (await r.request().allHeaders())['accept-encoding'] ?? '',
      encoding: headers['content-encoding'] ?? 'identity',
      received: sizes.responseBodySize,
      brFile: existsSync(br) ? statSync(br).size : null,
    })
  }
  await page.close()
  scripts.sort((a, b) => b.received - a.received)
  return scripts
}

test('UI benchmark: first page of the inbox and the order list, JavaScript sizes', async ({ browser, baseURL }) => {
  const orders = countOrders()

  // --- Render time of the first page, beside the bare API request for it -------------------
  const context = await browser.newContext()
  const page = await context.newPage()
  await login(page)
  const timings: { name: string; page: string; api: string; render: number[]; request: number[]; rows: number }[] = []
  for (const p of PAGES) {
    const render: number[] = []
    const request: number[] = []
    let rows = 0
    // One unmeasured load of each first, so that both series see the same warm server caches.
    await page.goto(p.page)
    await page.locator(ROW).first().waitFor({ state: 'visible' })
    for (let i = 0; i < LOADS; i++) {
      const t0 = performance.now()
      await page.goto(p.page, { waitUntil: 'commit' })
      await page.locator(ROW).first().waitFor({ state: 'visible', timeout: 60_000 })
      render.push(performance.now() - t0)
      rows = await page.locator(ROW).count()

      const t1 = performance.now()
      const res = await page.request.get(p.api)
      const body = await res.body()
      request.push(performance.now() - t1)
      expect(res.ok(), body.toString().slice(0, 300)).toBeTruthy()
      const items = (JSON.parse(body.toString()) as { items: unknown[] }).items
      expect(items.length).toBeGreaterThan(0)
    }
    timings.push({ name: p.name, page: p.page, api: p.api, render, request, rows })
  }
  await context.storageState({ path: 'test-results/bench/handler.json' })
  await context.close()

  // --- Compressed JavaScript of each first page, each in a fresh context (empty cache) -------
  const portalContext = await browser.newContext()
  const portal = await scriptsOf(portalContext, '/portal', async (p) => {
    await expect(p.locator('#app')).not.toBeEmpty()
  })
  await portalContext.close()
  const consoleContext = await browser.newContext({ storageState: 'test-results/bench/handler.json' })
  const consoleScripts = await scriptsOf(consoleContext, '/console/inbox/to_handle', async (p) => {
    await p.locator(ROW).first().waitFor({ state: 'visible', timeout: 60_000 })
  })
  await consoleContext.close()

  // --- Report -------------------------------------------------------------------------------
  const sum = (xs: Script[], f: (s: Script) => number | null) => xs.reduce((a, s) => a + (f(s) ?? 0), 0)
  const lines: string[] = []
  lines.push('# UI benchmark')
  lines.push('')
  lines.push(
    `Run ${new Date().toISOString()} by \`make bench-ui\` (web/bench/ui.bench.ts): server \`${process.env.JICENG_BIN}\` ` +
      `at ${baseURL} on SQLite, ${browser.browserType().name()} ${browser.version()} (headless), same machine.`,
  )
  lines.push('')
  lines.push(
    `Orders in the database (\`SELECT count(*) FROM work_orders\`): **${orders.total.toLocaleString('en-US')}**, ` +
      `of which ${orders.archived.toLocaleString('en-US')} archived (${((100 * orders.archived) / orders.total).toFixed(1)} %).`,
  )
  lines.push('')
  lines.push('## First page in the browser (user `handler`)')
  lines.push('')
  lines.push(
    `Each page loaded ${LOADS} times fresh (\`page.goto\`, after one unmeasured load), timed until the first row of ` +
      '`[data-test=order-table]` is visible; the baseline is the same first page through the bare API request ' +
      '(`page.request`, same browser context and session), timed to the end of its body, measured in the same loop.',
  )
  lines.push('')
  lines.push('| Page | Measure | p50 | p95 | max | Target | Result |')
  lines.push('|---|---|---:|---:|---:|---|---|')
  for (const t of timings) {
    const r = stats(t.render)
    const a = stats(t.request)
    lines.push(`| ${t.name}: \`${t.page}\` | first row visible | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.max)} | p95 < 1 s | ${verdict(r.p95 < PAGE_TARGET_MS)} |`)
    lines.push(`| (baseline) \`${t.api}\` | API request alone | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(a.max)} | — | — |`)
  }
  lines.push('')
  lines.push(`Rows on the first page: ${timings.map((t) => `${t.page} ${t.rows}`).join(', ')}.`)
  lines.push('')
  lines.push('## Compressed JavaScript loaded by the first page')
  lines.push('')
  lines.push(
    'Each page opened in a fresh browser context (empty HTTP cache; the console with the handler\'s session), ' +
      'summing the received body sizes of the JavaScript responses (`response.request().sizes().responseBodySize`, ' +
      `\`Accept-Encoding: ${[...new Set([...portal, ...consoleScripts].map((s) => s.acceptEncoding))].join(' / ')}\` as the browser sent it); ` +
      'cross-checked against the `.br` files in ' +
      '`web/dist/assets` for the same scripts.',
  )
  lines.push('')
  lines.push('| First page | Scripts | Received (compressed) | `.br` files in the build | Target | Result |')
  lines.push('|---|---:|---:|---:|---|---|')
  for (const [name, xs, target] of [
    ['Citizen portal `/portal` (logged out)', portal, PORTAL_TARGET],
    ['Console `/console/inbox/to_handle` (handler)', consoleScripts, CONSOLE_TARGET],
  ] as const) {
    const got = sum(xs, (s) => s.received)
    lines.push(`| ${name} | ${xs.length} | ${kb(got)} | ${kb(sum(xs, (s) => s.brFile))} | < ${target / 1000} kB | ${verdict(got < target)} |`)
  }
  for (const [name, xs] of [
    ['Citizen portal', portal],
    ['Console', consoleScripts],
  ] as const) {
    lines.push('')
    lines.push(`<details><summary>${name}: scripts</summary>`)
    lines.push('')
    lines.push('| Script | Content-Encoding | Received | `.br` file |')
    lines.push('|---|---|---:|---:|')
    for (const s of xs) lines.push(`| \`${s.path}\` | ${s.encoding} | ${s.received} B | ${s.brFile ?? '—'} B |`)
    lines.push('')
    lines.push('</details>')
  }
  lines.push('')
  mkdirSync(join(REPORT, '..'), { recursive: true })
  writeFileSync(REPORT, lines.join('\n'))
  console.log(lines.join('\n'))
})

import { type Page, type TestInfo, expect, test as base } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const PASSWORD = 'jiceng-demo'

/** The server's address, with the base URL set for every page; and every page of the test
 * runs under the server's Content-Security-Policy without a violation (a style or script the
 * policy blocks would silently break the page). */
export const test = base.extend<{ cspClean: void }>({
  baseURL: async ({}, use) => {
    const url = process.env.JICENG_E2E_URL
    if (!url) throw new Error('JICENG_E2E_URL is not set: run through playwright.config.ts')
    await use(url)
  },
  cspClean: [
    async ({ context }, use) => {
      const violations: string[] = []
      const watch = (page: Page) =>
        page.on('console', (m) => {
          if (m.type() === 'error' && m.text().includes('Content Security Policy')) violations.push(m.text())
        })
      context.pages().forEach(watch)
      context.on('page', watch)
      await use()
      expect(violations).toEqual([])
    },
    { auto: true },
  ],
})
export { expect }

/** Logs in on the staff login page and waits for the console. */
export async function login(page: Page, username: string) {
  await page.goto('/login')
  await page.getByTestId('username').fill(username)
  await page.getByTestId('password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('who')).toBeVisible()
}

/** Logs out from the console and waits until the session is gone. */
export async function logout(page: Page) {
  await page.getByTestId('logout').click()
  await expect(page).toHaveURL(/\/login/)
}

/** A screenshot kept as a test artefact (web/test-results/screens/NAME.png). */
export async function screenshot(page: Page, name: string) {
  const dir = join('test-results', 'screens')
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}

/** axe-core on the page: no serious or critical violation. */
export async function expectAccessible(page: Page, info: TestInfo, name: string) {
  const result = await new AxeBuilder({ page }).analyze()
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  await info.attach(`axe-${name}.json`, { body: JSON.stringify(bad, null, 2), contentType: 'application/json' })
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([])
}

/** Logs a citizen in on the portal's own login page. */
export async function portalLogin(page: Page, username = 'citizen') {
  await page.goto('/portal/login')
  await page.getByTestId('portal-username').locator('input').fill(username)
  await page.getByTestId('portal-password').locator('input').fill(PASSWORD)
  await page.getByTestId('portal-login-submit').click()
  await expect(page).toHaveURL(/\/portal$/)
  await expect(page.getByTestId('greeting')).toContainText('您好')
}

/** Logs `username` in on the page's request context (sharing its cookies) and returns a caller
 * that sends the CSRF token: for arranging a test's data through the API. */
export async function apiAs(page: Page, username: string) {
  const r = await page.request.post('/api/v1/auth/login', { data: { username, password: PASSWORD } })
  expect(r.status()).toBe(200)
  const { csrf_token: csrf } = (await r.json()) as { csrf_token: string }
  return {
    async post(path: string, data: unknown) {
      const res = await page.request.post(path, { data, headers: { 'X-CSRF-Token': csrf } })
      const body = await res.json()
      expect(res.ok(), JSON.stringify(body)).toBeTruthy()
      return body
    },
    async get(path: string) {
      const res = await page.request.get(path)
      expect(res.ok()).toBeTruthy()
      return res.json()
    },
  }
}

/** Picks a unit in a unit picker by typing part of its name. */
export async function pickUnit(page: Page, name: string) {
  const picker = page.getByTestId('unit-picker').last()
  await picker.click()
  await page.keyboard.type(name)
  await page.locator('.el-select-dropdown__item:visible', { hasText: name }).first().click()
}

/** A small valid PNG (a 2×2 picture), as a photo to upload. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==',
  'base64',
)

/** Opens an order's page in the console through the order list's search by number. */
export async function openOrder(page: Page, number: string) {
  await page.goto(`/console/orders?q=${encodeURIComponent(number)}`)
  await page.getByTestId('order-link').filter({ hasText: number }).click()
  await expect(page.getByTestId('order-number')).toHaveText(number)
}

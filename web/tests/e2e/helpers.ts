import { type Page, type TestInfo, expect, test as base } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const PASSWORD = 'jiceng-demo'

/** The server's address, with the base URL set for every page. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    const url = process.env.JICENG_E2E_URL
    if (!url) throw new Error('JICENG_E2E_URL is not set: run through playwright.config.ts')
    await use(url)
  },
})
export { expect }

/** Logs in on the staff login page and waits for the console. */
export async function login(page: Page, username: string) {
  await page.goto('/login')
  await page.getByTestId('username').locator('input').fill(username)
  await page.getByTestId('password').locator('input').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('who')).toBeVisible()
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

// The citizen portal on a phone: login, a demand with a photo, the receipt, my orders, public
// tracking without login, the elderly mode (sizes, targets, contrast, read-aloud), axe, and the
// weight of the first page.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { PNG, expect, expectAccessible, portalLogin, screenshot, test } from './helpers'

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
test.use(PHONE)

function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((c) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}
function contrast(fg: string, bg: string): number {
  const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x)
  return (a! + 0.05) / (b! + 0.05)
}

test('a citizen files a demand with a photo, keeps the receipt, finds it in my orders, and tracks it without login', async ({ page, browser, baseURL }, info) => {
  await portalLogin(page)
  await screenshot(page, 'portal-home')

  await page.getByTestId('go-submit').click()
  await expect(page).toHaveURL(/\/portal\/submit$/)
  await expectAccessible(page, info, 'portal-submit')
  const content = `小区门口路灯坏了一个星期，晚上很黑 ${Date.now()}`
  await page.getByTestId('submit-content').locator('textarea').fill(content)
  await page.getByTestId('submit-address').locator('input').fill('城关镇幸福路 12 号')
  await page.getByTestId('submit-phone').locator('input').fill('13800000010')
  // A file the server would refuse is named in Chinese before any upload.
  await page.getByTestId('submit-photos').locator('input[type=file]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('x') })
  await expect(page.getByTestId('photo-problem')).toContainText('不是 JPEG、PNG、WebP 图片')
  await page.getByTestId('submit-photos').locator('input[type=file]').setInputFiles({ name: 'lamp.png', mimeType: 'image/png', buffer: PNG })
  await expect(page.getByTestId('submit-photos').locator('.van-uploader__preview')).toHaveCount(1)
  await screenshot(page, 'portal-submit')
  await page.getByTestId('submit-send').click()

  await expect(page.getByTestId('receipt')).toBeVisible()
  const number = (await page.getByTestId('receipt-number').innerText()).trim()
  const code = (await page.getByTestId('receipt-code').innerText()).trim()
  expect(number).toMatch(/^JC\w+/)
  expect(code).toMatch(/^[0-9A-Za-z]{6,}$/)
  await expect(page.getByTestId('receipt')).toContainText('查询码只显示这一次')
  await expect(page.getByTestId('photo-results')).toContainText('lamp.png')
  await expect(page.getByTestId('photo-results')).toContainText('已上传')
  await screenshot(page, 'portal-receipt')

  // The photo is on the order, as the server sees it.
  const list = await (await page.request.get(`/api/v1/work-orders?q=${number}`)).json()
  const order = list.items.find((o: { number: string }) => o.number === number)
  expect(order.channel).toBe('mobile')
  const att = await page.request.get(`/api/v1/work-orders/${order.id}/attachments`)
  expect(att.ok()).toBeTruthy()
  const atts = await att.json()
  expect(atts.map((a: { filename: string }) => a.filename)).toContain('lamp.png')

  // My orders, newest first, with the Chinese status; then the order's own page.
  await page.goto('/portal/mine')
  const first = page.getByTestId('mine-list').locator('.van-cell').first()
  await expect(first).toContainText(number)
  await expect(first.locator('.status-tag')).toHaveText(/已受理|已派单|办理中/)
  await screenshot(page, 'portal-mine')
  await first.click()
  await expect(page.getByTestId('main-text')).toContainText(content)
  await expect(page.getByTestId('order-status')).toHaveText(/已受理|已派单|办理中/)
  await expect(page.getByTestId('order-timeline').locator('li').first()).toContainText('诉求已受理')
  await expect(page.getByTestId('rate')).toHaveCount(0) // nothing to rate before the reply
  await screenshot(page, 'portal-order')

  // Anyone with the number, the phone and the code follows it, without logging in.
  const stranger = await browser.newContext({ baseURL, ...PHONE })
  const p2 = await stranger.newPage()
  await p2.goto('/portal/track')
  await p2.getByTestId('track-number').locator('input').fill(number)
  await p2.getByTestId('track-phone').locator('input').fill('13800000010')
  await p2.getByTestId('track-code').locator('input').fill(code)
  await p2.getByTestId('track-submit').click()
  await expect(p2.getByTestId('track-result')).toContainText(number)
  await expect(p2.getByTestId('track-status')).toHaveText(/待派单|已受理|已派单|办理中/)
  await expect(p2.getByTestId('track-timeline').locator('li')).not.toHaveCount(0)
  await screenshot(p2, 'portal-track')
  // A wrong code finds nothing, said in Chinese.
  await p2.getByTestId('track-code').locator('input').fill('ZZZZZZZZ')
  await p2.getByTestId('track-submit').click()
  await expect(p2.getByTestId('track-error')).toHaveText(/没有找到这件诉求|查询次数过多/)
  await expect(p2.getByTestId('track-result')).toHaveCount(0)
  await stranger.close()
})

test('elderly mode: larger text and targets, high contrast, kept across pages, accessible in both modes', async ({ page }, info) => {
  await page.goto('/portal')
  const main = page.getByTestId('main-text')
  const toggle = page.getByTestId('elderly-switch')
  await expect(toggle).toHaveText('长辈版')
  await expect(toggle).toHaveAttribute('aria-pressed', 'false')
  const before = await main.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
  await expectAccessible(page, info, 'portal-home-standard')

  await toggle.click()
  await expect(toggle).toHaveText('标准版')
  await expect(toggle).toHaveAttribute('aria-pressed', 'true')
  await expect(page.locator('html')).toHaveClass(/elderly/)
  const style = await main.evaluate((el) => {
    const s = getComputedStyle(el)
    let bg = 'rgba(0, 0, 0, 0)'
    for (let n: Element | null = el; n && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); n = n.parentElement) bg = getComputedStyle(n).backgroundColor
    return { size: parseFloat(s.fontSize), line: parseFloat(s.lineHeight), color: s.color, bg }
  })
  const ratio = contrast(style.color, style.bg)
  console.log(`main text: standard ${before}px, elderly ${style.size}px (x${(style.size / before).toFixed(2)}), line-height ${(style.line / style.size).toFixed(2)}, contrast ${ratio.toFixed(1)}:1`)
  expect(before).toBe(16)
  expect(style.size / before).toBeGreaterThanOrEqual(1.5)
  expect(style.line / style.size).toBeGreaterThanOrEqual(1.3)
  expect(ratio).toBeGreaterThanOrEqual(7)

  const heights: Record<string, number> = {}
  for (const id of ['go-submit', 'go-mine', 'go-track', 'go-login', 'elderly-switch', 'read-aloud']) {
    const box = await page.getByTestId(id).boundingBox()
    heights[id] = box?.height ?? 0
  }
  for (const a of await page.locator('.portal-nav a').all()) heights[`nav ${await a.innerText()}`] = (await a.boundingBox())?.height ?? 0
  console.log('elderly tap heights (px):', JSON.stringify(heights))
  for (const [id, h] of Object.entries(heights)) expect(h, id).toBeGreaterThanOrEqual(60)
  await expectAccessible(page, info, 'portal-home-elderly')
  await screenshot(page, 'portal-home-elderly')

  // The mode stays on across pages and reloads; the tracking page is large too, with its
  // form's fields and button.
  await page.getByTestId('go-track').click()
  await expect(page).toHaveURL(/\/portal\/track$/)
  await page.reload()
  await expect(page.getByTestId('elderly-switch')).toHaveAttribute('aria-pressed', 'true')
  const fieldSize = await page.getByTestId('track-number').locator('input').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
  expect(fieldSize).toBeGreaterThanOrEqual(24)
  expect((await page.getByTestId('track-submit').boundingBox())!.height).toBeGreaterThanOrEqual(60)
  // Results are inline, not in a pop-up: a failed lookup leaves no dialog or toast.
  await page.getByTestId('track-number').locator('input').fill('JC000000000000')
  await page.getByTestId('track-phone').locator('input').fill('13800000010')
  await page.getByTestId('track-submit').click()
  await expect(page.getByTestId('track-error')).toBeVisible()
  await expect(page.locator('.van-toast, .van-dialog, .van-popup')).toHaveCount(0)
  await screenshot(page, 'portal-track-elderly')

  // Back to standard.
  await page.getByTestId('elderly-switch').click()
  await expect(page.locator('html')).not.toHaveClass(/elderly/)
  await page.goto('/portal')
  expect(await page.getByTestId('main-text').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBe(16)
})

test('elderly submit page is accessible, with large fields', async ({ page }, info) => {
  await portalLogin(page)
  await page.getByTestId('elderly-switch').click()
  await page.goto('/portal/submit')
  await expect(page.getByTestId('elderly-switch')).toHaveAttribute('aria-pressed', 'true')
  const size = await page.getByTestId('submit-content').locator('textarea').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))
  expect(size).toBeGreaterThanOrEqual(24)
  expect((await page.getByTestId('submit-send').boundingBox())!.height).toBeGreaterThanOrEqual(60)
  expect((await page.getByTestId('use-location').boundingBox())!.height).toBeGreaterThanOrEqual(60)
  await expectAccessible(page, info, 'portal-submit-elderly')
  await screenshot(page, 'portal-submit-elderly')
})

test('read-aloud speaks the page text with a Chinese voice, and says when there is none', async ({ browser, baseURL }) => {
  // A browser with a Chinese voice (the Web Speech API stood in for: headless Chromium has none).
  const withVoice = await browser.newContext({ baseURL, ...PHONE })
  await withVoice.addInitScript(() => {
    const spoken: { text: string; lang: string }[] = []
    ;(window as unknown as { __spoken: typeof spoken }).__spoken = spoken
    const voice = { lang: 'zh-CN', name: '普通话', default: true, localService: true, voiceURI: 'zh' }
    const synth = {
      getVoices: () => [voice],
      speak: (u: { text: string; lang: string; onend?: () => void }) => {
        spoken.push({ text: u.text, lang: u.lang })
        setTimeout(() => u.onend?.(), 50)
      },
      cancel() {},
      addEventListener() {},
      removeEventListener() {},
    }
    Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true })
    ;(window as unknown as { SpeechSynthesisUtterance: unknown }).SpeechSynthesisUtterance = class {
      text: string
      lang = ''
      voice: unknown = null
      rate = 1
      onend?: () => void
      onerror?: () => void
      constructor(t: string) {
        this.text = t
      }
    }
  })
  const page = await withVoice.newPage()
  await page.goto('/portal')
  const button = page.getByTestId('read-aloud')
  await expect(button).toBeEnabled()
  await expect(button).toContainText('朗读本页')
  await button.click()
  const spoken = await page.evaluate(() => (window as unknown as { __spoken: { text: string; lang: string }[] }).__spoken)
  const intro = await page.getByTestId('main-text').innerText()
  expect(spoken).toEqual([{ text: intro, lang: 'zh-CN' }])
  await withVoice.close()

  // A browser without one: the button is disabled and says why.
  const without = await browser.newContext({ baseURL, ...PHONE })
  await without.addInitScript(() => {
    Object.defineProperty(window, 'speechSynthesis', {
      value: { getVoices: () => [{ lang: 'en-US', name: 'English' }], speak() {}, cancel() {}, addEventListener() {}, removeEventListener() {} },
      configurable: true,
    })
  })
  const p2 = await without.newPage()
  await p2.goto('/portal')
  await expect(p2.getByTestId('read-aloud')).toBeDisabled()
  await expect(p2.getByTestId('read-aloud')).toContainText('此浏览器没有中文语音')
  await without.close()
})

test('the portal first page loads no console library and under 250 kB of compressed JavaScript', async ({ page }) => {
  const scripts: string[] = []
  page.on('response', (r) => {
    if (r.request().resourceType() === 'script') scripts.push(new URL(r.url()).pathname)
  })
  await page.goto('/portal')
  await expect(page.getByTestId('main-text')).toBeVisible()
  await page.waitForLoadState('networkidle')
  expect(scripts.length).toBeGreaterThan(0)
  expect(scripts.filter((s) => /element-plus|echarts|leaflet/.test(s))).toEqual([])
  const dist = process.env.JICENG_WEB_DIR ?? join(process.cwd(), 'dist')
  let gz = 0
  let br = 0
  for (const s of scripts) {
    const f = join(dist, s)
    if (existsSync(`${f}.gz`)) gz += statSync(`${f}.gz`).size
    if (existsSync(`${f}.br`)) br += statSync(`${f}.br`).size
  }
  console.log(`portal first page: ${scripts.length} scripts, ${(gz / 1024).toFixed(1)} kB gzip, ${(br / 1024).toFixed(1)} kB brotli`)
  expect(gz).toBeGreaterThan(0)
  expect(gz).toBeLessThan(250 * 1024)
})

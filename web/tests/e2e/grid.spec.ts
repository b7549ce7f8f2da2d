// The grid worker's phone page: a report made offline is kept as a draft (待发送) and sent when
// the phone is back online; the order then shows up in the grid's open orders.
import { PNG, expect, expectAccessible, login, screenshot, test } from './helpers'

test.use({ viewport: { width: 390, height: 844 } })

test('a report made offline is kept as a draft and sent when the network returns', async ({ page, context }, info) => {
  await login(page, 'gridworker')
  await context.grantPermissions(['geolocation'])
  await context.setGeolocation({ latitude: 30.2741, longitude: 120.1551 })
  await page.goto('/grid')
  await expect(page.getByTestId('main-text')).toBeVisible()
  await expectAccessible(page, info, 'grid')

  // Position from the phone.
  await page.getByTestId('grid-locate').click()
  await expect(page.getByTestId('grid-position')).toContainText('30.2741')

  await context.setOffline(true)
  await expect(page.getByTestId('offline')).toBeVisible()
  const text = `巡查发现幸福路井盖缺失，有安全隐患 ${Date.now()}`
  await page.getByTestId('grid-content').locator('textarea').fill(text)
  await page.getByTestId('grid-address').locator('input').fill('幸福路与人民路口')
  await page.getByTestId('grid-photos').locator('input[type=file]').setInputFiles({ name: 'manhole.png', mimeType: 'image/png', buffer: PNG })
  await page.getByTestId('grid-submit').click()

  const draft = page.getByTestId('grid-draft')
  await expect(draft).toHaveCount(1)
  await expect(draft).toContainText(text)
  await expect(draft).toContainText('1 张照片')
  await expect(page.getByTestId('grid-drafts')).toContainText('待发送')
  await expect(page.getByTestId('grid-notice')).toContainText('无网络')
  // Kept on the phone, with its photo and position.
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('jiceng.grid.drafts') ?? '[]'))
  expect(stored).toHaveLength(1)
  expect(stored[0].content).toBe(text)
  expect(stored[0].latitude).toBeCloseTo(30.2741, 3)
  expect(stored[0].photos[0].data).toMatch(/^data:image\/png;base64,/)
  await screenshot(page, 'grid-draft')

  // Back online: sent by itself, no click.
  await context.setOffline(false)
  await expect(page.getByTestId('grid-draft')).toHaveCount(0)
  const sent = page.getByTestId('grid-sent')
  await expect(sent).toContainText('已发送，工单编号')
  const number = (await sent.locator('strong').first().innerText()).trim()
  expect(number).toMatch(/^JC\w+/)
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('jiceng.grid.drafts') ?? '[]'))).toHaveLength(0)
  await expect(page.getByTestId('grid-orders')).toContainText(number)
  await screenshot(page, 'grid-sent')

  // The server has it once, as a grid patrol report with the place and the photo.
  const list = await (await page.request.get(`/api/v1/work-orders?q=${encodeURIComponent(text)}`)).json()
  expect(list.items).toHaveLength(1)
  const order = list.items[0]
  expect(order.number).toBe(number)
  expect(order.channel).toBe('grid_patrol')
  expect(order.address).toBe('幸福路与人民路口')
  const full = await (await page.request.get(`/api/v1/work-orders/${order.id}`)).json()
  expect(full.latitude).toBeCloseTo(30.2741, 3)
  const atts = await (await page.request.get(`/api/v1/work-orders/${order.id}/attachments`)).json()
  expect(atts.map((a: { filename: string }) => a.filename)).toEqual(['manhole.png'])
})

test('a draft kept while offline is sent with the 立即发送 button after a reload', async ({ page, context }) => {
  await login(page, 'gridworker')
  await page.goto('/grid')
  await expect(page.getByTestId('main-text')).toBeVisible()
  // A draft left from an earlier session (the page was closed while offline).
  const text = `路边垃圾堆积无人清理 ${Date.now()}`
  await page.evaluate((t) => {
    localStorage.setItem(
      'jiceng.grid.drafts',
      JSON.stringify([{ id: crypto.randomUUID(), createdAt: new Date().toISOString(), content: t, address: '', latitude: null, longitude: null, photos: [] }]),
    )
  }, text)
  // Reload with the API unreachable, so the automatic send on opening fails like a dead network.
  await page.route('**/api/v1/work-orders', (r) => (r.request().method() === 'POST' ? r.abort('internetdisconnected') : r.continue()))
  await page.reload()
  await expect(page.getByTestId('grid-draft')).toHaveCount(1)
  await expect(page.getByTestId('grid-draft')).toContainText('网络不通')
  await page.unroute('**/api/v1/work-orders')
  await page.getByTestId('grid-send-now').click()
  await expect(page.getByTestId('grid-draft')).toHaveCount(0)
  await expect(page.getByTestId('grid-sent')).toContainText('已发送，工单编号')
  void context
})

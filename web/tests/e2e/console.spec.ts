import { apiAs, expect, logout, expectAccessible, login, openOrder, pickUnit, screenshot, test } from './helpers'
import { readSheet } from 'read-excel-file/node'

const DEMAND = {
  title: '小区门口路灯不亮',
  content: '浦溪街道北辰社区小区门口的路灯已经坏了一个星期，晚上出行很不方便，请尽快维修。',
  caller_phone: '13912345678',
  caller_name: '王先生',
}

/** An order registered by the operator and dispatched to the urban management bureau, whose
 * demo handler is `handler`. */
async function dispatchedOrder(page: import('@playwright/test').Page, title: string) {
  const op = await apiAs(page, 'operator')
  const order = await op.post('/api/v1/work-orders', { ...DEMAND, title, channel: 'hotline' })
  const dispatcher = await apiAs(page, 'dispatcher')
  const units = await dispatcher.get(`/api/v1/org-units?q=${encodeURIComponent('城市管理')}&limit=5`)
  const unit = units.items[0]
  await dispatcher.post(`/api/v1/work-orders/${order.id}/dispatch`, { lead_unit_id: unit.id })
  await page.context().clearCookies()
  return order as { id: string; number: string }
}

test('login shows the server message for a wrong password and the menu follows the role', async ({ page }, info) => {
  await page.goto('/login')
  await expectAccessible(page, info, 'login')
  await screenshot(page, 'login')
  await page.getByTestId('username').fill('handler')
  await page.getByTestId('password').fill('wrong-password')
  await page.getByTestId('login-submit').click()
  await expect(page.getByTestId('login-error')).toContainText(/用户名或密码/)
  await login(page, 'handler')
  await expect(page.getByTestId('menu-to_sign')).toBeVisible()
  await expect(page.getByTestId('menu-dispatch')).toHaveCount(0)
  await logout(page)
  await login(page, 'dispatcher')
  await expect(page.getByTestId('menu-dispatch')).toBeVisible()
  await expect(page.getByTestId('menu-to_sign')).toHaveCount(0)
})

test('the intake form is filled and submitted with the keyboard alone', async ({ page }, info) => {
  await login(page, 'operator')
  await page.goto('/console/intake')
  await expect(page.getByTestId('intake-phone')).toBeFocused()
  await expectAccessible(page, info, 'intake')
  await page.keyboard.type('13911112222')
  await page.keyboard.press('Tab')
  await page.keyboard.type('李女士')
  await page.keyboard.press('Tab') // anonymous
  await page.keyboard.press('Tab') // call-back
  await page.keyboard.press('Tab')
  await page.keyboard.type('楼道堆放杂物')
  await page.keyboard.press('Tab')
  await page.keyboard.type('北辰社区3栋楼道长期堆放杂物，存在消防隐患，希望物业清理。')
  await page.keyboard.press('Control+Enter')
  const number = page.getByTestId('intake-number')
  await expect(number).toHaveText(/^JC\d{6}\d{8}\d{6}$/)
  await expect(page.getByTestId('intake-code')).toHaveText(/^[A-Z0-9]{8}$/)
  await screenshot(page, 'intake-result')
  // Alt+N starts the next call with an empty form, the cursor back in the phone field.
  await page.keyboard.press('Alt+n')
  await expect(page.getByTestId('intake-phone')).toHaveValue('')
  await expect(page.getByTestId('intake-phone')).toBeFocused()
})

test('a unit returns an order with its legal basis and the dispatcher rules on it', async ({ page }) => {
  const order = await dispatchedOrder(page, '退单测试：广告牌占道')
  await login(page, 'handler')
  await openOrder(page, order.number)
  await page.getByTestId('action-return').click()
  await page.getByTestId('return-explanation').fill('此事项属于住房和城乡建设局职责。')
  // The basis is required when the reason is "not our duty": the form says so and sends nothing.
  await page.getByTestId('action-submit').click()
  await expect(page.getByTestId('action-error')).toContainText('依据')
  await page.getByTestId('return-basis').fill('权责清单：户外广告设施设置审批')
  await page.getByTestId('action-submit').click()
  await expect(page.getByTestId('order-status')).toHaveText('已退单')
  await expect(page.getByTestId('timeline')).toContainText('户外广告设施设置审批')
  await logout(page)

  await login(page, 'dispatcher')
  await page.getByTestId('menu-returned').click()
  await expect(page.getByTestId('order-table')).toContainText(order.number)
  await openOrder(page, order.number)
  await page.getByTestId('action-arbitrate').click()
  await pickUnit(page, '住房和城乡建设局')
  await page.getByTestId('ruling').fill('经审定，由住房和城乡建设局主办。')
  await page.getByTestId('action-submit').click()
  await expect(page.getByTestId('order-status')).toHaveText('已派单')
  await expect(page.getByTestId('timeline')).toContainText('经审定')
  await screenshot(page, 'order-arbitrated')
})

test('an extension request is approved by the supervisor', async ({ page }) => {
  const order = await dispatchedOrder(page, '延期测试：排水管道改造')
  await login(page, 'handler')
  await openOrder(page, order.number)
  await page.getByTestId('action-accept').click()
  await expect(page.getByTestId('order-status')).toHaveText('办理中')
  await page.getByTestId('action-request_extension').click()
  const due = new Date(Date.now() + 20 * 86_400_000)
  const text = `${due.getFullYear()}-${String(due.getMonth() + 1).padStart(2, '0')}-${String(due.getDate()).padStart(2, '0')} 18:00:00`
  await page.getByPlaceholder('新的办理时限').fill(text)
  await page.keyboard.press('Enter')
  await page.getByTestId('extension-reason').fill('管道改造需协调施工队，预计需要三周。')
  await page.getByTestId('action-submit').click()
  await expect(page.getByTestId('timeline')).toContainText('管道改造需协调施工队')
  await logout(page)

  await login(page, 'supervisor')
  await page.getByTestId('menu-extensions').click()
  await expect(page.getByTestId('order-table')).toContainText(order.number)
  await openOrder(page, order.number)
  await page.getByTestId('action-decide_extension').click()
  await page.getByTestId('action-submit').click()
  await expect(page.getByTestId('timeline')).toContainText('同意')
  await expect(page.getByTestId('action-decide_extension')).toHaveCount(0)
})

test('overdue orders show red on the supervisor board and on their page', async ({ page }, info) => {
  await login(page, 'supervisor')
  // The demo county's orders run over the past weeks: some are past their deadline.
  await page.goto('/console/board')
  const red = page.locator('[data-test=board-orders] [data-level=red]')
  await expect(red.first()).toBeVisible()
  const summary = await page.getByTestId('board-summary').textContent()
  expect(Number(/红灯（超时） (\d+)/.exec(summary ?? '')?.[1])).toBeGreaterThan(0)
  await screenshot(page, 'board')
  // The first red row's order is red on its own page too.
  await red.first().locator('xpath=ancestor::tr').getByTestId('order-link').click()
  await expect(page.getByTestId('order-level')).toHaveText('红灯超时')
  await expectAccessible(page, info, 'order-page')
})

test('a lost session returns to login and then to the page the user was on', async ({ page }, info) => {
  await login(page, 'handler')
  await page.goto('/console/inbox/to_handle')
  await expectAccessible(page, info, 'inbox')
  await page.context().clearCookies()
  await page.getByRole('button', { name: '刷新' }).click()
  await expect(page).toHaveURL(/\/login\?redirect=/)
  await page.getByTestId('username').fill('handler')
  await page.getByTestId('password').fill('jiceng-demo')
  await page.getByTestId('login-submit').click()
  await expect(page).toHaveURL(/\/console\/inbox\/to_handle$/)
})

test('the order list exports its filter to Excel, with phones masked as on the screen', async ({ page }) => {
  const title = `导出测试：人行道破损 ${Date.now()}`
  const order = await dispatchedOrder(page, title)
  await login(page, 'supervisor')
  await page.goto(`/console/orders?q=${encodeURIComponent(title)}`)
  await expect(page.getByTestId('order-table')).toContainText(order.number)
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()])
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/)
  const rows = await readSheet(await download.path())
  expect(rows[0]).toContain('工单编号')
  expect(rows).toHaveLength(2)
  const row = rows[1]!.map((c) => String(c ?? ''))
  expect(row).toContain(order.number)
  expect(row).toContain(title)
  // The supervisor sees phones masked in the list, so the file masks them too.
  expect(row.join(' ')).not.toContain(DEMAND.caller_phone)
  expect(row.join(' ')).toMatch(/139\*{4}5678/)
})

test('a supervisor verifies an order audit trail from its page', async ({ page }) => {
  const order = await dispatchedOrder(page, '留痕测试：公交站台破损')
  await login(page, 'supervisor')
  await openOrder(page, order.number)
  await page.getByTestId('trail-verify').click()
  await expect(page.getByTestId('trail-status')).toContainText(/核验通过|记录完整/)
  // Registration and dispatch are both in the trail, each intact.
  await expect(page.getByTestId('trail').locator('li')).toHaveCount(2)
  await expect(page.getByTestId('trail')).not.toContainText('已被改动')
})

test('a dispatcher corrects the category of an order', async ({ page }) => {
  const op = await apiAs(page, 'operator')
  const order = await op.post('/api/v1/work-orders', { ...DEMAND, title: '分类更正测试', channel: 'hotline' })
  await page.context().clearCookies()
  await login(page, 'dispatcher')
  await openOrder(page, order.number)
  await page.getByTestId('correct-category').click()
  await page.getByTestId('new-category').fill('城乡建设')
  await page.getByTestId('correct-submit').click()
  await expect(page.getByTestId('order-category')).toHaveText('城乡建设')
})

test('the operator picks the place on a blank map of the county outlines', async ({ page }) => {
  await login(page, 'operator')
  await page.goto('/console/intake')
  await page.getByTestId('open-map').click()
  const status = page.getByTestId('place-map-status')
  await expect(status).toContainText('点击地图选择事发位置')
  // No tile layer: the map draws only the communities' and villages' outlines.
  await expect(page.locator('.leaflet-tile')).toHaveCount(0)
  const outlines = page.locator('[data-test=place-map] path.leaflet-interactive')
  expect(await outlines.count()).toBeGreaterThan(100)
  await outlines.nth(40).click({ force: true })
  await expect(status).toContainText(/已选位置：\S+（\d+\.\d+，\d+\.\d+）/)
  await screenshot(page, 'intake-map')
  const place = /已选位置：(\S+)（/.exec((await status.textContent()) ?? '')?.[1] ?? ''
  expect(place).not.toBe('辖区外')
  await page.getByTestId('intake-phone').fill('13922223333')
  await page.getByTestId('intake-content').fill('这里的路面塌陷了一个大坑，车辆经过很危险，请尽快处理。')
  await page.getByTestId('intake-submit').click()
  const number = (await page.getByTestId('intake-number').innerText()).trim()
  const op = await apiAs(page, 'operator')
  const list = await op.get(`/api/v1/work-orders?q=${number}`)
  const order = list.items.find((o: { number: string }) => o.number === number)
  expect(order.latitude).toBeGreaterThan(29)
  expect(order.longitude).toBeGreaterThan(105)
  // The order lands in the picked place (or the grid inside it that the point falls in).
  expect(order.region.unit_name).toContain(place)
})

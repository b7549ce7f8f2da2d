// The whole loop in the browser, each person on their own screen: a citizen files a demand with
// a photo on the phone portal, the dispatcher dispatches it, the unit's handler signs for it and
// replies with a photo, and the citizen rates the reply on five levels.
import { PNG, expect, login, logout, openOrder, pickUnit, portalLogin, screenshot, test } from './helpers'

test('a demand goes round the loop: submitted, dispatched, signed for, replied with a photo, rated', async ({ browser, baseURL }) => {
  const phone = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const desk = await browser.newContext({ baseURL, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const citizen = await phone.newPage()
  const staff = await desk.newPage()

  // The citizen files the demand with a photo and keeps the receipt.
  await portalLogin(citizen)
  await citizen.getByTestId('go-submit').click()
  const content = `北辰社区幸福路12号门口的井盖破损，晚上很危险，请尽快更换。${Date.now()}`
  await citizen.getByTestId('submit-content').locator('textarea').fill(content)
  await citizen.getByTestId('submit-address').locator('input').fill('北辰街道幸福路12号')
  await citizen.getByTestId('submit-photos').locator('input[type=file]').setInputFiles({ name: 'manhole.png', mimeType: 'image/png', buffer: PNG })
  await citizen.getByTestId('submit-send').click()
  await expect(citizen.getByTestId('receipt')).toBeVisible()
  const number = (await citizen.getByTestId('receipt-number').innerText()).trim()
  await screenshot(citizen, 'flow-1-citizen-receipt')

  // The dispatcher finds it waiting and dispatches it to the urban management bureau.
  await login(staff, 'dispatcher')
  await openOrder(staff, number)
  await expect(staff.getByTestId('order-status')).toHaveText('已受理')
  await expect(staff.getByTestId('attachments')).toContainText('manhole.png')
  await staff.getByTestId('action-dispatch').click()
  await pickUnit(staff, '城市管理综合行政执法局')
  await staff.getByTestId('action-submit').click()
  await expect(staff.getByTestId('order-status')).toHaveText('已派单')
  await screenshot(staff, 'flow-2-dispatched')
  await logout(staff)

  // The bureau's handler sees it to sign for, signs for it and replies with a photo.
  await login(staff, 'handler')
  await staff.getByTestId('menu-to_sign').click()
  await expect(staff.getByTestId('order-table')).toContainText(number)
  await openOrder(staff, number)
  await staff.getByTestId('action-accept').click()
  await expect(staff.getByTestId('order-status')).toHaveText('办理中')
  await staff.getByTestId('action-reply').click()
  await staff.getByTestId('reply-text').fill('已安排维修人员更换井盖，现已恢复正常通行。')
  await staff.getByTestId('reply-files').setInputFiles({ name: 'fixed.png', mimeType: 'image/png', buffer: PNG })
  await staff.getByTestId('action-submit').click()
  await expect(staff.getByTestId('order-status')).toHaveText('已答复')
  await expect(staff.getByTestId('attachments')).toContainText('fixed.png')
  await expect(staff.getByTestId('timeline')).toContainText('已安排维修人员更换井盖')
  await screenshot(staff, 'flow-3-replied')

  // The citizen reads the reply and rates it; a rating without a level is refused on the page.
  await citizen.goto('/portal/mine')
  await citizen.getByTestId(`mine-${number}`).click()
  await expect(citizen.getByTestId('order-reply')).toContainText('已安排维修人员更换井盖')
  await expect(citizen.getByTestId('rate-satisfaction').getByRole('radio')).toHaveCount(5)
  await citizen.getByTestId('rate-submit').click()
  await expect(citizen.getByTestId('rate')).toContainText('请选择满意程度')
  await citizen.getByTestId('rate-satisfaction').getByText('非常满意', { exact: true }).click()
  await citizen.getByTestId('rate-solved').getByText('已解决', { exact: true }).click()
  await screenshot(citizen, 'flow-4-rating')
  await citizen.getByTestId('rate-submit').click()
  await expect(citizen.getByTestId('rated')).toContainText('感谢您的评价')
  await expect(citizen.getByTestId('order-status')).toHaveText('已回访')

  // The rating is on the order's history, as staff see it.
  await openOrder(staff, number)
  await expect(staff.getByTestId('order-status')).toHaveText('已回访')
  await expect(staff.getByTestId('timeline')).toContainText('非常满意')
  await phone.close()
  await desk.close()
})

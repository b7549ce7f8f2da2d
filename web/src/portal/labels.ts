// Chinese labels the phone pages show for the contract's enums (the same words as the
// console's `status.*` messages).
import zhCN from '@/i18n/zh-CN'
import type { Schemas } from '@/api/client'

type Status = Schemas['Status']
type Satisfaction = Schemas['Satisfaction']
type Action = Schemas['Action']

export function statusLabel(s: Status): string {
  return (zhCN.status as Record<string, string>)[s] ?? s
}

/** Open statuses are shown in blue, finished ones in green. */
export function statusDone(s: Status): boolean {
  return s === 'replied' || s === 'visited' || s === 'archived' || s === 'merged'
}

export const SATISFACTION: { value: Satisfaction; label: string }[] = [
  { value: 'very_satisfied', label: '非常满意' },
  { value: 'satisfied', label: '满意' },
  { value: 'fairly_satisfied', label: '基本满意' },
  { value: 'unsatisfied', label: '不满意' },
  { value: 'very_unsatisfied', label: '非常不满意' },
]

const ACTIONS: Partial<Record<Action, string>> = {
  register: '诉求已受理',
  dispatch: '已派给承办单位',
  arbitrate: '退单已审定',
  accept: '承办单位已签收',
  accept_co: '协办单位已签收',
  return: '承办单位退回，重新派单中',
  note: '办理进展',
  request_extension: '申请延期',
  decide_extension: '延期已审批',
  suspend: '暂停办理',
  resume: '恢复办理',
  reply: '承办单位已答复',
  co_reply: '协办单位已答复',
  review: '答复已审核',
  follow_up: '已回访评价',
  archive: '已归档',
  merge: '与相同诉求合并办理',
  absorb: '合并了相同诉求',
  recategorize: '分类已调整',
}

export function actionLabel(a: string): string {
  return (ACTIONS as Record<string, string>)[a] ?? '办理记录'
}

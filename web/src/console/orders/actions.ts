import type { Action } from '@/api/client'

/** The buttons' labels, in the order a unit meets them. */
export const ACTION_LABELS: Partial<Record<Action, string>> = {
  dispatch: '派单',
  arbitrate: '审定退单',
  accept: '签收',
  accept_co: '协办签收',
  note: '办理记录',
  reply: '答复',
  co_reply: '协办答复',
  request_extension: '申请延期',
  suspend: '挂起',
  resume: '恢复办理',
  return: '退单',
  review: '审核答复',
  decide_extension: '审批延期',
  follow_up: '回访',
  archive: '归档',
}

export const RETURN_REASONS = [
  { value: 'not_our_duty', label: '不属于本单位职责' },
  { value: 'outside_jurisdiction', label: '不属于本辖区' },
  { value: 'insufficient_information', label: '诉求信息不全' },
  { value: 'duplicate', label: '重复件' },
] as const

export const SATISFACTION = [
  { value: 'very_satisfied', label: '非常满意' },
  { value: 'satisfied', label: '满意' },
  { value: 'fairly_satisfied', label: '基本满意' },
  { value: 'unsatisfied', label: '不满意' },
  { value: 'very_unsatisfied', label: '非常不满意' },
] as const

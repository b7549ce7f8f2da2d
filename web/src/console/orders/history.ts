import type { Schemas } from '@/api/client'
import { ACTION_LABELS, RETURN_REASONS, SATISFACTION } from './actions'

type Entry = Schemas['HistoryEntry']

const EXTRA: Record<string, string> = {
  register: '受理',
  merge: '并入主件',
  absorb: '合并重复件',
  recategorize: '更正分类',
  erase_contact: '删除联系方式',
  note_only: '记录',
  sla_yellow: '黄灯预警',
  sla_red: '红灯超时',
  sla_reminder: '催办',
  sla_supervision: '督办',
  sla_circular: '通报',
}

export function actionLabel(e: Entry): string {
  return (ACTION_LABELS as Record<string, string>)[e.action] ?? EXTRA[e.action] ?? e.action
}

/** What the entry says, in a line: the reason, the text, the ruling, the rating. */
export function entryText(e: Entry): string {
  const p = (e.payload ?? {}) as Record<string, unknown>
  const parts: string[] = []
  const str = (k: string) => (typeof p[k] === 'string' && p[k] ? (p[k] as string) : null)
  if (e.action === 'return') {
    const r = RETURN_REASONS.find((x) => x.value === p.reason)
    if (r) parts.push(r.label)
  }
  if (e.action === 'follow_up') {
    const s = SATISFACTION.find((x) => x.value === p.satisfaction)
    if (s) parts.push(s.label)
    parts.push(p.solved ? '已解决' : '未解决')
  }
  if (e.action === 'review' || e.action === 'decide_extension') parts.push(p.approved ? '同意' : '不同意')
  // A return's reason is a code, named above; other steps' reasons are the user's words.
  const keys = ['explanation', 'text', 'ruling', 'reason', 'comment', 'note', 'category'].filter(
    (k) => !(e.action === 'return' && k === 'reason'),
  )
  for (const k of keys) {
    const v = str(k)
    if (v) parts.push(v)
  }
  const basis = str('legal_basis')
  if (basis) parts.push(`依据：${basis}`)
  const step = str('step_label')
  if (step) parts.push(`${str('clock_label') ?? ''}${step}`)
  return parts.join('；')
}

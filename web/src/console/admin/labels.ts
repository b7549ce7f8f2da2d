// Chinese names of the values the administration pages choose from (the server sends its own
// labels, `role_label` and `kind_label`, with every value it returns).
import type { Schemas } from '@/api/client'

export type Role = Schemas['Role']
export type OrgKind = Schemas['OrgKind']

export const ROLE_LABELS: Record<Role, string> = {
  citizen: '市民',
  hotline_operator: '接线员',
  dispatcher: '派单员',
  unit_handler: '承办人',
  unit_leader: '承办单位负责人',
  grid_worker: '网格员',
  window_clerk: '窗口人员',
  supervisor: '督办人员',
  county_leader: '区县领导',
  administrator: '系统管理员',
}
export const ROLES = Object.keys(ROLE_LABELS) as Role[]

export const KIND_LABELS: Record<OrgKind, string> = {
  county: '区县',
  town: '乡镇',
  street: '街道',
  community: '社区',
  village: '村',
  grid: '网格',
  department: '部门',
}
export const KINDS = Object.keys(KIND_LABELS) as OrgKind[]

/** A password that meets the server's policy (letters with digits, 12 characters), to hand to
 * a new user or after a reset; shown once. Ambiguous characters (0/O, 1/l) are left out. */
export function generatePassword(): string {
  const letters = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ'
  const digits = '23456789'
  const all = letters + digits
  const bytes = new Uint32Array(12)
  crypto.getRandomValues(bytes)
  const chars = Array.from(bytes, (b) => all[b % all.length] ?? 'x')
  chars[0] = letters[(bytes[0] ?? 0) % letters.length] ?? 'a'
  chars[5] = digits[(bytes[5] ?? 0) % digits.length] ?? '7'
  return chars.join('')
}

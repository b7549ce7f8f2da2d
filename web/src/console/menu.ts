// The console's menu, shaped by the user's roles. It only decides what is offered: every
// action is checked again by the server's policy table.
import type { Schemas } from '@/api/client'

type Role = Schemas['Role']

export interface MenuItem {
  key: string
  /** i18n key of the label */
  label: string
  to: string
  roles: Role[]
}

export const MENU: MenuItem[] = [
  { key: 'intake', label: 'menu.intake', to: '/console/intake', roles: ['hotline_operator', 'dispatcher', 'administrator'] },
  { key: 'dispatch', label: 'menu.dispatch', to: '/console/inbox/to_dispatch', roles: ['dispatcher', 'administrator'] },
  { key: 'returned', label: 'menu.returned', to: '/console/inbox/returned', roles: ['dispatcher', 'administrator'] },
  { key: 'to_sign', label: 'inbox.to_sign', to: '/console/inbox/to_sign', roles: ['unit_handler', 'unit_leader'] },
  { key: 'to_handle', label: 'inbox.to_handle', to: '/console/inbox/to_handle', roles: ['unit_handler', 'unit_leader'] },
  { key: 'to_review', label: 'inbox.to_review', to: '/console/inbox/to_review', roles: ['unit_leader'] },
  { key: 'follow_up', label: 'menu.followUp', to: '/console/inbox/to_follow_up', roles: ['hotline_operator', 'dispatcher'] },
  { key: 'board', label: 'menu.board', to: '/console/board', roles: ['supervisor', 'county_leader', 'unit_leader', 'administrator'] },
  { key: 'extensions', label: 'menu.extensions', to: '/console/inbox/extensions', roles: ['supervisor'] },
  {
    key: 'orders',
    label: 'menu.orders',
    to: '/console/orders',
    roles: ['hotline_operator', 'dispatcher', 'unit_handler', 'unit_leader', 'grid_worker', 'window_clerk', 'supervisor', 'county_leader', 'administrator'],
  },
  { key: 'grid', label: 'menu.grid', to: '/grid', roles: ['grid_worker'] },
  { key: 'units', label: 'menu.units', to: '/console/admin/units', roles: ['administrator'] },
  { key: 'users', label: 'menu.users', to: '/console/admin/users', roles: ['administrator', 'unit_leader', 'supervisor', 'county_leader'] },
  { key: 'duty', label: 'menu.duty', to: '/console/admin/duty-lists', roles: ['administrator', 'county_leader'] },
  { key: 'models', label: 'menu.models', to: '/console/admin/models', roles: ['administrator'] },
]

export function menuFor(has: (...r: Role[]) => boolean): MenuItem[] {
  return MENU.filter((m) => has(...m.roles))
}

/** Where a user lands after login: the first page of their menu, citizens on the portal. */
export function homeFor(has: (...r: Role[]) => boolean): string {
  const first = menuFor(has)[0]
  if (first) return first.to
  return has('citizen') ? '/portal' : '/console/orders'
}

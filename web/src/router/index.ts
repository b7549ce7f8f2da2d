import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { whenSessionLost } from '@/api/client'
import { useSession } from '@/stores/session'
import { homeFor } from '@/console/menu'

declare module 'vue-router' {
  interface RouteMeta {
    /** The page needs a logged-in user. */
    auth?: boolean
    title?: string
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/console' },
    { path: '/login', component: () => import('@/console/LoginPage.vue'), meta: { title: '登录' } },
    {
      path: '/console',
      component: () => import('@/console/ConsoleLayout.vue'),
      meta: { auth: true },
      children: [
        { path: '', component: () => import('@/console/HomeRedirect.vue') },
        { path: 'intake', component: () => import('@/console/operator/IntakePage.vue'), meta: { title: '诉求受理' } },
        { path: 'inbox/:inbox', component: () => import('@/console/handler/InboxPage.vue'), meta: { title: '待办' } },
        { path: 'orders', component: () => import('@/console/orders/OrderListPage.vue'), meta: { title: '工单查询' } },
        { path: 'orders/:id', component: () => import('@/console/orders/OrderPage.vue'), meta: { title: '工单' } },
        { path: 'board', component: () => import('@/console/supervisor/BoardPage.vue'), meta: { title: '督办台账' } },
        { path: 'admin/users', component: () => import('@/console/admin/UsersPage.vue'), meta: { title: '用户与角色' } },
        { path: 'admin/units', component: () => import('@/console/admin/UnitsPage.vue'), meta: { title: '组织机构' } },
        { path: 'admin/duty-lists', component: () => import('@/console/admin/DutyListsPage.vue'), meta: { title: '权责清单' } },
        { path: 'admin/models', component: () => import('@/console/admin/ModelsPage.vue'), meta: { title: '分类模型' } },
      ],
    },
    {
      path: '/portal',
      component: () => import('@/portal/PortalLayout.vue'),
      children: [
        { path: '', component: () => import('@/portal/PortalHome.vue'), meta: { title: '市民诉求' } },
        { path: 'login', component: () => import('@/portal/PortalLogin.vue'), meta: { title: '登录' } },
        { path: 'submit', component: () => import('@/portal/SubmitPage.vue'), meta: { title: '我要反映', auth: true } },
        { path: 'mine', component: () => import('@/portal/MyOrdersPage.vue'), meta: { title: '我的诉求', auth: true } },
        { path: 'orders/:id', component: () => import('@/portal/MyOrderPage.vue'), meta: { title: '诉求详情', auth: true } },
        { path: 'track', component: () => import('@/portal/TrackPage.vue'), meta: { title: '查询进度' } },
      ],
    },
    {
      path: '/grid',
      component: () => import('@/portal/PortalLayout.vue'),
      meta: { auth: true },
      children: [{ path: '', component: () => import('@/grid/GridReportPage.vue'), meta: { title: '网格事件上报' } }],
    },
    { path: '/:rest(.*)*', component: () => import('@/console/NotFoundPage.vue') },
  ],
})

function loginFor(to: RouteLocationNormalized) {
  const portal = to.path.startsWith('/portal') || to.path.startsWith('/grid')
  return { path: portal ? '/portal/login' : '/login', query: { redirect: to.fullPath } }
}

router.beforeEach(async (to) => {
  const session = useSession()
  await session.restore()
  if (to.meta.auth && !session.user) return loginFor(to)
  if ((to.path === '/login' || to.path === '/portal/login') && session.user) {
    return homeFor(session.has)
  }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 基层治理平台` : '基层治理平台'
})

// A session that ends (expired, logged out elsewhere) sends the user to log in again, then
// back to the page they were on.
whenSessionLost(() => {
  const session = useSession()
  session.forget()
  const current = router.currentRoute.value
  if (current.path !== '/login' && current.path !== '/portal/login') {
    void router.push(loginFor(current))
  }
})

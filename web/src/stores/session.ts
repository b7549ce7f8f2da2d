import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ok, setCsrfToken, type Schemas } from '@/api/client'

type Role = Schemas['Role']

export const useSession = defineStore('session', () => {
  const user = ref<Schemas['UserView'] | null>(null)
  const checked = ref(false)

  const roles = computed(() => new Set<Role>((user.value?.roles ?? []).map((g) => g.role)))
  const has = (...r: Role[]) => r.some((x) => roles.value.has(x))
  /** The first unit the user holds a role in: where new orders and lists start. */
  const homeUnit = computed(() => user.value?.roles[0]?.unit_id ?? null)

  function take(info: Schemas['SessionInfo']) {
    user.value = info.user
    setCsrfToken(info.csrf_token)
  }

  /** Reads the current session once (after a reload the cookie may still be valid). */
  async function restore() {
    if (checked.value) return
    try {
      take(await ok(api.GET('/api/v1/auth/me'), { quiet401: true }))
    } catch {
      user.value = null
    } finally {
      checked.value = true
    }
  }

  async function login(username: string, password: string) {
    take(await ok(api.POST('/api/v1/auth/login', { body: { username, password } }), { quiet401: true }))
    checked.value = true
  }

  async function logout() {
    try {
      await ok(api.POST('/api/v1/auth/logout'), { quiet401: true })
    } catch {
      // The session is forgotten here either way.
    }
    forget()
  }

  function forget() {
    user.value = null
    setCsrfToken(null)
  }

  return { user, checked, roles, has, homeUnit, restore, login, logout, forget }
})

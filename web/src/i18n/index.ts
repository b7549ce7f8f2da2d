import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'

const KEY = 'jiceng.locale'
const saved = localStorage.getItem(KEY)

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

export function switchLocale() {
  const next = i18n.global.locale.value === 'en' ? 'zh-CN' : 'en'
  i18n.global.locale.value = next
  localStorage.setItem(KEY, next)
  document.documentElement.lang = next
}

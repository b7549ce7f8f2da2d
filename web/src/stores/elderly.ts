import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

const KEY = 'jiceng.elderly'

/** The elderly mode (长辈版) of the phone pages: larger type and targets, higher contrast. */
export const useElderly = defineStore('elderly', () => {
  const on = ref(localStorage.getItem(KEY) === '1')
  watch(
    on,
    (v) => {
      localStorage.setItem(KEY, v ? '1' : '0')
      document.documentElement.classList.toggle('elderly', v)
    },
    { immediate: true },
  )
  return { on, toggle: () => (on.value = !on.value) }
})

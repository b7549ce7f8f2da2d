// Read-aloud for the elderly mode: the Web Speech API with a Chinese voice, when the browser
// has one.
import { onBeforeUnmount, onMounted, ref } from 'vue'

function chineseVoice(): SpeechSynthesisVoice | null {
  if (typeof window === 'undefined' || !('speechSynthesis' in window)) return null
  const voices = window.speechSynthesis.getVoices()
  return (
    voices.find((v) => v.lang.toLowerCase().replace('_', '-') === 'zh-cn') ??
    voices.find((v) => v.lang.toLowerCase().startsWith('zh')) ??
    null
  )
}

export function useReadAloud() {
  const voice = ref<SpeechSynthesisVoice | null>(chineseVoice())
  const speaking = ref(false)
  const refresh = () => (voice.value = chineseVoice())

  onMounted(() => {
    refresh()
    if ('speechSynthesis' in window) window.speechSynthesis.addEventListener?.('voiceschanged', refresh)
  })
  onBeforeUnmount(() => {
    if ('speechSynthesis' in window) {
      window.speechSynthesis.removeEventListener?.('voiceschanged', refresh)
      if (speaking.value) window.speechSynthesis.cancel()
    }
  })

  function speak(text: string) {
    const v = voice.value
    if (!v || !text.trim()) return
    const synth = window.speechSynthesis
    synth.cancel()
    const u = new SpeechSynthesisUtterance(text)
    u.voice = v
    u.lang = v.lang
    u.rate = 0.9
    u.onend = () => (speaking.value = false)
    u.onerror = () => (speaking.value = false)
    speaking.value = true
    synth.speak(u)
  }

  function stop() {
    window.speechSynthesis?.cancel()
    speaking.value = false
  }

  return { voice, speaking, speak, stop }
}

// "Use my location": the browser's position, optional; the forms work without it.
import { ref } from 'vue'

export function usePosition() {
  const latitude = ref<number | null>(null)
  const longitude = ref<number | null>(null)
  const locating = ref(false)
  const problem = ref('')

  function locate(): Promise<void> {
    problem.value = ''
    if (!('geolocation' in navigator)) {
      problem.value = '此浏览器不能定位，请填写地址'
      return Promise.resolve()
    }
    locating.value = true
    return new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (p) => {
          latitude.value = Math.round(p.coords.latitude * 1e6) / 1e6
          longitude.value = Math.round(p.coords.longitude * 1e6) / 1e6
          locating.value = false
          resolve()
        },
        (e) => {
          problem.value = e.code === e.PERMISSION_DENIED ? '未获得定位权限，请填写地址' : '暂时无法定位，请填写地址'
          locating.value = false
          resolve()
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      )
    })
  }

  function clear() {
    latitude.value = null
    longitude.value = null
  }

  return { latitude, longitude, locating, problem, locate, clear }
}

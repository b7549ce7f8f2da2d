// Dates and times as Chinese staff read them, in the browser's zone (the county's).

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '—'
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** How long until (or since) a deadline, in words: 剩余 3小时 / 超时 2天. */
export function untilDeadline(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return ''
  const ms = new Date(iso).getTime() - now
  const abs = Math.abs(ms)
  const h = Math.floor(abs / 3_600_000)
  const text = h >= 48 ? `${Math.floor(h / 24)}天` : h >= 1 ? `${h}小时` : `${Math.max(1, Math.floor(abs / 60_000))}分钟`
  return ms >= 0 ? `剩余 ${text}` : `超时 ${text}`
}

// Grid reports not yet sent (offline, or the network failed): kept in localStorage with their
// photos as data URLs, sent again when the browser is back online. Each draft carries its own
// Idempotency-Key, so a report sent twice is registered once.
import { ref } from 'vue'

const KEY = 'jiceng.grid.drafts'

export interface DraftPhoto {
  name: string
  type: string
  data: string
}

export interface Draft {
  id: string
  createdAt: string
  content: string
  address: string
  latitude: number | null
  longitude: number | null
  photos: DraftPhoto[]
  /** Why the last try failed, shown beside the draft. */
  problem?: string
}

function read(): Draft[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown
    return Array.isArray(v) ? (v as Draft[]) : []
  } catch {
    return []
  }
}

export const drafts = ref<Draft[]>(read())

/** Writes the list; when the photos do not fit in storage, keeps the text and says so. */
function write(): string | null {
  try {
    localStorage.setItem(KEY, JSON.stringify(drafts.value))
    return null
  } catch {
    drafts.value = drafts.value.map((d) => (d.photos.length ? { ...d, photos: [], problem: '照片太大，未能保存在手机上，请联网后重新拍照' } : d))
    try {
      localStorage.setItem(KEY, JSON.stringify(drafts.value))
    } catch {
      return '手机存储已满，草稿未能保存'
    }
    return '照片太大，只保存了文字'
  }
}

export function saveDraft(d: Draft): string | null {
  drafts.value = [...drafts.value.filter((x) => x.id !== d.id), d]
  return write()
}

export function dropDraft(id: string) {
  drafts.value = drafts.value.filter((x) => x.id !== id)
  write()
}

export function markDraft(id: string, problem: string) {
  drafts.value = drafts.value.map((x) => (x.id === id ? { ...x, problem } : x))
  write()
}

export function newDraftId(): string {
  return crypto.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`
}

export function fileToPhoto(f: File): Promise<DraftPhoto> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve({ name: f.name, type: f.type, data: String(r.result) })
    r.onerror = () => reject(r.error)
    r.readAsDataURL(f)
  })
}

/** The kept photo as a file again (decoded here: the page's content policy does not let
 * `fetch` read data: URLs). */
export function photoToFile(p: DraftPhoto): File {
  const bin = atob(p.data.slice(p.data.indexOf(',') + 1))
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return new File([bytes], p.name, { type: p.type })
}

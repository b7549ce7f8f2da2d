// Photos picked in a form: checked before upload with the server's rules, the problem in Chinese.
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import type { UploaderFileListItem } from 'vant'
import { uploadProblem } from '@/api/client'

export function usePhotos() {
  const files = ref<UploaderFileListItem[]>([])
  const problem = ref('')

  function beforeRead(file: File | File[]): boolean {
    const list = Array.isArray(file) ? file : [file]
    for (const f of list) {
      const p = uploadProblem(f)
      if (p) {
        problem.value = p
        return false
      }
    }
    problem.value = ''
    return true
  }

  const picked = (): File[] => files.value.map((i) => i.file).filter((f): f is File => f instanceof File)

  return { files, problem, beforeRead, picked }
}

/** Gives the file inputs inside `root` (Vant's uploader renders them without a label) an
 * accessible name, also when the uploader re-creates them. */
export function labelFileInputs(root: Ref<HTMLElement | null>, label: string) {
  let observer: MutationObserver | null = null
  const apply = () => root.value?.querySelectorAll('input[type=file]').forEach((i) => i.setAttribute('aria-label', label))
  onMounted(() => {
    apply()
    if (root.value) {
      observer = new MutationObserver(apply)
      observer.observe(root.value, { childList: true, subtree: true })
    }
  })
  onBeforeUnmount(() => observer?.disconnect())
}

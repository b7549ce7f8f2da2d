// Photos picked in a form: checked before upload with the server's rules, the problem in Chinese.
import { ref } from 'vue'
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

// Upload of a responsibility list (权责清单): the file is the raw body, xlsx, xls or CSV (the
// server reads the format from the content). A 422 carries every issue of the file and means
// nothing was stored; it is an answer to show, not a failure.
import { ApiFailure, api, ok, type Schemas } from '@/api/client'

export type DutyUpload = Schemas['DutyUploadView']

export const DUTY_FILE_MAX_BYTES = 10 * 1024 * 1024
export const DUTY_FILE_ACCEPT = '.xlsx,.xls,.csv'

function contentType(file: File): string {
  const name = file.name.toLowerCase()
  if (name.endsWith('.csv')) return 'text/csv'
  if (name.endsWith('.xls')) return 'application/vnd.ms-excel'
  return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
}

/** Why a file cannot be sent as a list; null when it can. */
export function dutyFileProblem(file: File): string | null {
  if (!/\.(xlsx|xls|csv)$/i.test(file.name)) return `“${file.name}”不是 xlsx、xls 或 csv 文件`
  if (file.size > DUTY_FILE_MAX_BYTES) return `“${file.name}”超过 10 MB`
  if (file.size === 0) return `“${file.name}”是空文件`
  return null
}

/** Uploads a list for a jurisdiction: the stored draft with its warnings, or (list null) the
 * errors that kept it from being stored. Other failures throw `ApiFailure`. */
export async function uploadDutyList(unitId: string, file: File): Promise<DutyUpload> {
  const problem = dutyFileProblem(file)
  if (problem) throw new ApiFailure(problem, 'duty_file.invalid', 400)
  const call = api.POST('/api/v1/org-units/{id}/duty-lists', {
    params: { path: { id: unitId } },
    // The contract types the raw body as bytes; the browser sends the File as it is.
    body: file as unknown as number[],
    bodySerializer: (b: unknown) => b as BodyInit,
    headers: { 'Content-Type': contentType(file) },
  })
  let answer: Awaited<typeof call>
  try {
    answer = await call
  } catch {
    throw new ApiFailure('网络连接失败，请检查网络后重试', 'network', 0)
  }
  if (answer.response.status === 422) {
    const body = answer.error as unknown as DutyUpload | undefined
    if (body && Array.isArray(body.issues)) return { list: null, issues: body.issues }
  }
  return ok(Promise.resolve(answer))
}

// The one API module: typed from the committed contract (openapi/jiceng.json, generated into
// schema.d.ts at build time), so a build fails when the UI and the server disagree.
import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']
export type WorkOrder = Schemas['WorkOrderView']
export type Action = Schemas['Action']

/** An API answer that is not a success, with the server's Chinese message. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message)
  }
}

let csrfToken: string | null = null
let onSessionLost: (() => void) | null = null

/** The session's CSRF token, sent back on every state-changing request. */
export function setCsrfToken(token: string | null | undefined) {
  csrfToken = token ?? null
}

/** What to do when the server says the session is gone (401): back to login. */
export function whenSessionLost(handler: () => void) {
  onSessionLost = handler
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method) && csrfToken) {
      request.headers.set('X-CSRF-Token', csrfToken)
    }
    return request
  },
}

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' })
api.use(csrf)

interface Answer<T> {
  data?: T
  error?: unknown
  response: Response
}

const NETWORK = '网络连接失败，请检查网络后重试'

function failureOf(error: unknown, response: Response): ApiFailure {
  const body = (error ?? {}) as { code?: unknown; message?: unknown }
  if (typeof body.code === 'string' && typeof body.message === 'string') {
    return new ApiFailure(body.message, body.code, response.status)
  }
  if (response.status === 413) return new ApiFailure('文件或内容过大', 'request.too_large', 413)
  if (response.status >= 500) return new ApiFailure('服务器暂时无法处理，请稍后重试', 'internal', response.status)
  return new ApiFailure('请求未能完成，请稍后重试', 'unknown', response.status)
}

/** The answer's data, or an `ApiFailure` carrying the server's message. A lost session
 * (401 on anything but the login itself) also sends the user back to the login page. */
export async function ok<T>(call: Promise<Answer<T>>, opts: { quiet401?: boolean } = {}): Promise<T> {
  let answer: Answer<T>
  try {
    answer = await call
  } catch {
    throw new ApiFailure(NETWORK, 'network', 0)
  }
  const { data, error, response } = answer
  if (error !== undefined || !response.ok) {
    const failure = failureOf(error, response)
    if (response.status === 401 && !opts.quiet401 && onSessionLost) onSessionLost()
    throw failure
  }
  return data as T
}

/** The message to show for any thrown value: the server's, never a raw error. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiFailure) return e.message
  return '操作未能完成，请稍后重试'
}

export type Attachment = Schemas['Attachment']

/** The types and size the server takes for a photo or document of an order. */
export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/pdf']
export const UPLOAD_MAX_BYTES = 5 * 1024 * 1024

/** Why a file cannot be uploaded, checked before sending it; null when it can. */
export function uploadProblem(file: File): string | null {
  if (!UPLOAD_TYPES.includes(file.type)) return `“${file.name}”不是 JPEG、PNG、WebP 图片或 PDF 文件`
  if (file.size > UPLOAD_MAX_BYTES) return `“${file.name}”超过 5 MB`
  if (file.size === 0) return `“${file.name}”是空文件`
  return null
}

/** The files a file input holds, all of them when each may be uploaded; otherwise none, with
 * every problem named. */
export function checkFiles(list: FileList | null | undefined): { files: File[]; problem: string } {
  const chosen = Array.from(list ?? [])
  const problems = chosen.map(uploadProblem).filter((p): p is string => p !== null)
  return { files: problems.length ? [] : chosen, problem: problems.join('；') }
}

/** Uploads a photo or PDF to an order: the file is the raw body (the contract's shape). */
export async function uploadAttachment(orderId: string, file: File): Promise<Attachment> {
  const problem = uploadProblem(file)
  if (problem) throw new ApiFailure(problem, 'attachment.invalid', 400)
  const headers: Record<string, string> = { 'Content-Type': file.type }
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken
  const path = `/api/v1/work-orders/${encodeURIComponent(orderId)}/attachments?filename=${encodeURIComponent(file.name)}`
  let response: Response
  try {
    response = await fetch(path, { method: 'POST', body: file, headers, credentials: 'same-origin' })
  } catch {
    throw new ApiFailure(NETWORK, 'network', 0)
  }
  const body = await response.json().catch(() => undefined)
  if (!response.ok) {
    if (response.status === 401 && onSessionLost) onSessionLost()
    throw failureOf(body, response)
  }
  return body as Attachment
}

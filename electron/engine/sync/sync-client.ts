import { BrainError, errorMessage, abortedError } from '../../../shared/errors'
import {
  SYNC_ENDPOINTS,
  batchResponseSchema,
  errorResponseSchema,
  manifestPageSchema,
  type BatchResponse,
  type ManifestPage,
} from '../../../shared/sync-protocol'
import { DEFAULT_RATE_LIMIT_MS, parseRetryAfter } from '../llm/gateway/gateway-errors'

export interface SyncClientOptions {
  /** The gateway base URL (already checked by checkGatewayUrl), ending in /v1. */
  baseUrl: URL
  token: string
  timeoutMs: number
  fetch: typeof fetch
}

/** The HTTP side of notes-sync: one request per call, every failure mapped to a BrainError; retries are the caller's. */
export class SyncClient {
  /** Requests started and request-body bytes sent, for the report. */
  requests = 0
  bytesSent = 0
  private readonly base: string

  constructor(private readonly options: SyncClientOptions) {
    this.base = options.baseUrl.href.replace(/\/+$/, '')
  }

  /** One manifest page; `notModified` when the server's revision still equals `ifRevision` (HTTP 304). */
  async manifestPage(
    query: { cursor?: string; limit?: number; ifRevision?: string | null },
    signal?: AbortSignal,
  ): Promise<{ notModified: true } | { notModified: false; page: ManifestPage }> {
    const url = new URL(this.base + SYNC_ENDPOINTS.manifest)
    if (query.cursor) url.searchParams.set('cursor', query.cursor)
    if (query.limit) url.searchParams.set('limit', String(query.limit))
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: 'application/json' }
    if (query.ifRevision) headers['if-none-match'] = `"${query.ifRevision}"`
    const { status, text } = await this.request(url, { method: 'GET', headers }, signal)
    if (status === 304) return { notModified: true }
    return { notModified: false, page: parseBody(manifestPageSchema, text, 'manifest') }
  }

  /** Sends one batch body exactly as given. */
  async postBatch(body: string, signal?: AbortSignal): Promise<BatchResponse> {
    const url = new URL(this.base + SYNC_ENDPOINTS.batches)
    const headers = { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json', accept: 'application/json' }
    this.bytesSent += Buffer.byteLength(body)
    const { text } = await this.request(url, { method: 'POST', headers, body }, signal)
    return parseBody(batchResponseSchema, text, 'batch')
  }

  private async request(url: URL, init: RequestInit, signal: AbortSignal | undefined): Promise<{ status: number; text: string }> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    this.requests += 1
    let response: Response
    let text: string
    try {
      response = await this.options.fetch(url, { ...init, signal: combined, redirect: 'error' })
      // The body is read under the same deadline: a server that stalls mid-answer is as slow as one that never answers.
      text = await response.text()
    } catch (error) {
      throw this.transportError(error, signal, timeout)
    }
    if (response.status === 200 || response.status === 304) return { status: response.status, text }
    throw statusError(response, text, url)
  }

  private transportError(error: unknown, signal: AbortSignal | undefined, timeout: AbortSignal): BrainError {
    if (signal?.aborted) return abortedError(error)
    if (timeout.aborted) {
      return new BrainError('gateway-timeout', `The gateway did not answer within ${this.options.timeoutMs} ms`, {
        retryable: true,
        cause: error,
        details: { timeoutMs: this.options.timeoutMs },
      })
    }
    const cause = (error as { cause?: unknown }).cause
    const text = cause instanceof Error ? cause.message : errorMessage(error)
    return new BrainError('gateway-unreachable', `Could not reach the gateway: ${text}`, { retryable: true, cause: error })
  }
}

function statusError(response: Response, text: string, url: URL): BrainError {
  const status = response.status
  const parsed = errorResponseSchema.safeParse(safeJson(text))
  const serverMessage = parsed.success ? parsed.data.error.message : text.slice(0, 200)
  const details: Record<string, unknown> = { status, url: url.pathname }
  if (parsed.success) details.serverCode = parsed.data.error.code
  if (status === 401 || status === 403) {
    return new BrainError('gateway-unauthorized', 'The gateway rejected the sync token; check the token in settings.', { details })
  }
  if (status === 413) return new BrainError('gateway-payload-too-large', 'The gateway refused the batch as too large.', { details })
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? DEFAULT_RATE_LIMIT_MS
    return new BrainError('gateway-rate-limited', `The gateway is rate limiting; retrying in ${Math.ceil(retryAfterMs / 1000)} s.`, {
      retryable: true,
      details: { ...details, retryAfterMs },
    })
  }
  if (status >= 500) {
    return new BrainError('gateway-server-error', `The gateway failed (HTTP ${status}): ${serverMessage}`, { retryable: true, details })
  }
  if (status === 404) {
    return new BrainError('sync-failed', 'The gateway does not offer notes-sync (HTTP 404 at ' + url.pathname + ').', { details })
  }
  return new BrainError('sync-failed', `The gateway refused the sync request (HTTP ${status}): ${serverMessage}`, { details })
}

function parseBody<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, text: string, what: string): T {
  const parsed = schema.safeParse(safeJson(text))
  if (!parsed.success) {
    throw new BrainError('sync-failed', `The gateway's ${what} answer does not follow the notes-sync protocol: ${parsed.error.message.slice(0, 300)}`, {
      details: { what },
    })
  }
  return parsed.data
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

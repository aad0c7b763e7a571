import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai'
import { BrainError } from '../../../../shared/errors'

/** Retry-After is either delta-seconds or an HTTP date; returns milliseconds from `now`, or null when absent/invalid. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return null
  return Math.max(0, date - now)
}

/** Used when a 429 carries no Retry-After, so the client still backs off a little. */
export const DEFAULT_RATE_LIMIT_MS = 5_000

/** Maps whatever the SDK or fetch threw into the gateway's BrainError codes. */
export function toGatewayError(error: unknown, context: { timeoutMs: number; now?: number }): BrainError {
  if (error instanceof BrainError) return error
  if (error instanceof APIUserAbortError) return new BrainError('aborted', 'Stopped.', { retryable: true, cause: error })
  if (error instanceof APIConnectionTimeoutError) {
    return new BrainError('gateway-timeout', `The gateway did not answer within ${context.timeoutMs} ms`, {
      retryable: true,
      cause: error,
      details: { timeoutMs: context.timeoutMs },
    })
  }
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause
    const text = cause instanceof Error ? cause.message : error.message
    return new BrainError('gateway-unreachable', `Could not reach the gateway: ${text}`, { retryable: true, cause: error })
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0
    if (status === 401 || status === 403) {
      return new BrainError('gateway-unauthorized', 'The gateway rejected the token', { cause: error, details: { status } })
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'), context.now) ?? DEFAULT_RATE_LIMIT_MS
      return new BrainError('gateway-rate-limited', `The gateway is rate limiting; try again in ${Math.ceil(retryAfterMs / 1000)} s`, {
        retryable: true,
        cause: error,
        details: { status, retryAfterMs },
      })
    }
    if (status === 413) {
      return new BrainError('gateway-payload-too-large', 'The gateway refused the request as too large', { cause: error, details: { status } })
    }
    if (status >= 500) {
      return new BrainError('gateway-server-error', `The gateway failed (HTTP ${status})`, { retryable: true, cause: error, details: { status } })
    }
    return new BrainError('gateway-server-error', `The gateway refused the request (HTTP ${status}): ${error.message}`, {
      cause: error,
      details: { status },
    })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new BrainError('gateway-unreachable', `Gateway request failed: ${message}`, { retryable: true, cause: error })
}

import type { APIError } from 'openai'
import { BrainError, errorMessage, abortedError } from '../../../../shared/errors'
import { readProviderError, type ProviderErrorData } from './completion-parts'
import { loadedOpenAiSdk } from './openai-sdk'

/** Retry-After is either delta-seconds or an HTTP date; returns milliseconds from `now`, or null when absent/invalid. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return null
  return Math.max(0, date - now)
}

/**
 * The client's own pause after a 429 that carries no Retry-After, so it does not hammer the gateway. It is never
 * presented as the gateway's word: messages say the gateway did not say when.
 */
export const DEFAULT_RATE_LIMIT_MS = 5_000

export interface GatewayErrorContext {
  timeoutMs: number
  now?: number
  /** The model the request named (for a 404). */
  model?: string
  /** What the gateway's /models lists, when it could be read after a 404; null when it could not. */
  models?: string[] | null
}

/** Maps whatever the SDK or fetch threw into the gateway's BrainError codes. */
export function toGatewayError(error: unknown, context: GatewayErrorContext): BrainError {
  if (error instanceof BrainError) return error
  // Not loaded yet: then nothing has thrown one of the SDK's errors.
  const sdk = loadedOpenAiSdk()
  if (sdk) {
    if (error instanceof sdk.APIUserAbortError) return abortedError(error)
    if (error instanceof sdk.APIConnectionTimeoutError) {
      return new BrainError('gateway-timeout', `The gateway did not answer within ${context.timeoutMs} ms`, {
        retryable: true,
        cause: error,
        details: { timeoutMs: context.timeoutMs },
      })
    }
    if (error instanceof sdk.APIConnectionError) {
      const cause = (error as { cause?: unknown }).cause
      if (cause instanceof BrainError) return cause
      const text = cause instanceof Error ? cause.message : error.message
      return new BrainError('gateway-unreachable', `Could not reach the gateway: ${text}`, { retryable: true, cause: error })
    }
    if (error instanceof sdk.APIError) return fromHttpStatus(error, context)
  }
  const message = errorMessage(error)
  return new BrainError('gateway-unreachable', `Gateway request failed: ${message}`, { retryable: true, cause: error })
}

/** The provider's error from an SDK APIError (the SDK keeps the body's `error` member, or the whole body). */
export function providerErrorOf(error: APIError): ProviderErrorData | null {
  const inner = (error as { error?: unknown }).error
  return readProviderError({ error: inner }) ?? readProviderError(inner, true)
}

function fromHttpStatus(error: APIError, context: GatewayErrorContext): BrainError {
  const status = error.status ?? 0
  const provider = providerErrorOf(error)
  // The SDK's own message starts with the status ("404 The model…"); the provider's words alone read better.
  const said = provider?.message ?? error.message.replace(/^\d{3}\s+/, '').replace(/^status code \(no body\)$/, '')
  const upstream = provider?.upstream ?? null
  const details = {
    status,
    ...(provider?.code !== undefined && provider?.code !== null ? { providerCode: provider.code } : {}),
    ...(provider?.type ? { providerType: provider.type } : {}),
    ...(said ? { providerMessage: said } : {}),
    ...(upstream ? { upstream } : {}),
  }
  const saying = (text: string | null | undefined) => (text ? `: ${text}` : '')
  if (status === 401 || status === 403) {
    return new BrainError('gateway-unauthorized', `The gateway rejected the token (HTTP ${status})${saying(said)}`, { cause: error, details })
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'), context.now)
    const when = retryAfterMs === null ? ' and did not say when to try again' : `; it asks to wait ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`
    const detail = [said, upstream].filter(Boolean).join(' — ')
    return new BrainError('gateway-rate-limited', `The gateway is rate limiting${when}${saying(detail)}`, {
      retryable: true,
      cause: error,
      details: { ...details, retryAfterMs },
    })
  }
  if (status === 404) {
    const model = context.model ?? 'the requested model'
    const listed =
      context.models === undefined || context.models === null
        ? "its /models list could not be read"
        : context.models.length === 0
          ? 'its /models lists none'
          : `its /models lists: ${context.models.join(', ')}`
    return new BrainError('gateway-model-not-found', `The gateway has no model "${model}" (${listed})${said ? `. It said: ${said}` : ''}`, {
      cause: error,
      details: { ...details, model, models: context.models ?? null },
    })
  }
  if (status === 413) {
    return new BrainError('gateway-payload-too-large', `The gateway refused the request as too large${saying(said)}`, { cause: error, details })
  }
  if (status >= 300 && status < 400) {
    const location = error.headers?.get('location')
    return new BrainError(
      'gateway-bad-request',
      `The gateway answered with a redirect (HTTP ${status}${location ? ` to ${location}` : ''}); notes-rag does not follow redirects for chat, so set the final URL as the gateway URL`,
      { cause: error, details: { ...details, location: location ?? null } },
    )
  }
  if (status >= 500) {
    return new BrainError('gateway-server-error', `The gateway failed (HTTP ${status})${saying(said)}`, { retryable: true, cause: error, details })
  }
  return new BrainError('gateway-bad-request', `The gateway rejected the request (HTTP ${status})${saying(said)}`, { cause: error, details })
}

/** An error the provider sent inside a stream (an `error` member in a chunk, or an `event: error`). */
export function providerStreamError(provider: ProviderErrorData, partialText: string): BrainError {
  const code = provider.code !== null ? ` (${provider.code})` : ''
  const upstream = provider.upstream && provider.upstream !== provider.message && provider.upstream !== String(provider.code) ? ` — ${provider.upstream}` : ''
  return new BrainError('gateway-provider-error', `The model's provider reported an error${code}: ${provider.message}${upstream}`, {
    retryable: false,
    details: {
      providerMessage: provider.message,
      providerCode: provider.code,
      ...(provider.type ? { providerType: provider.type } : {}),
      ...(provider.upstream ? { upstream: provider.upstream } : {}),
      partialText,
    },
  })
}

import { BrainError, throwIfAborted } from '../../../shared/errors'

/** How sync retries network failures, 5xx and timeouts within one pass. */
export interface RetryPolicy {
  /** First delay; doubles per attempt up to maxMs. */
  initialMs: number
  maxMs: number
  /** Tries per request (the first included) before the pass gives up. */
  maxAttempts: number
  /** A Retry-After longer than this is cut to it, so a misconfigured server cannot park sync for a day. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialMs: 1_000, maxMs: 60_000, maxAttempts: 6, maxRetryAfterMs: 10 * 60_000 }

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay, plus a random share of the other half,
 * so retries from a restart storm spread out but never collapse to zero.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'initialMs' | 'maxMs'>, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt))
  return Math.round(capped / 2 + random() * (capped / 2))
}

/** The wait before the next try after `error`, or null when it must not be retried. */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy, random: () => number): number | null {
  if (!BrainError.is(error) || !error.retryable || error.code === 'aborted') return null
  if (attempt + 1 >= policy.maxAttempts) return null
  if (error.code === 'gateway-rate-limited') {
    const asked = Number(error.details?.retryAfterMs)
    if (Number.isFinite(asked) && asked >= 0) return Math.min(asked, policy.maxRetryAfterMs)
  }
  return backoffDelay(attempt, policy, random)
}

/** Runs `run` until it succeeds, the error is not retryable, or attempts run out; `onWait` hears every pause. */
export async function withRetry<T>(
  run: (attempt: number) => Promise<T>,
  options: { policy: RetryPolicy; random: () => number; signal?: AbortSignal; onWait?: (delayMs: number, error: BrainError) => void },
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    throwIfAborted(options.signal)
    try {
      return await run(attempt)
    } catch (error) {
      const delay = retryDelay(error, attempt, options.policy, options.random)
      if (delay === null) throw error
      options.onWait?.(delay, error as BrainError)
      await sleep(delay, options.signal)
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new BrainError('aborted', 'Stopped.', { retryable: true }))
      return
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new BrainError('aborted', 'Stopped.', { retryable: true }))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

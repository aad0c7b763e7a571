import { BrainError, throwIfAborted } from '../../../shared/errors'
import { backoffDelay } from '../../../shared/backoff'
import { sleep } from '../async/sleep'

/** How sync retries network failures, 5xx and timeouts within one pass. */
export interface RetryPolicy {
  /** First delay; doubles per attempt up to maxMs, with equal jitter (see `backoffDelay`). */
  initialMs: number
  maxMs: number
  /** Tries per request (the first included) before the pass gives up. */
  maxAttempts: number
  /** A Retry-After longer than this is cut to it, so a misconfigured server cannot park sync for a day. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialMs: 1_000, maxMs: 60_000, maxAttempts: 6, maxRetryAfterMs: 10 * 60_000 }

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

/** How restarts of a crashed engine are spaced. */
export interface BackoffPolicy {
  initialMs: number
  maxMs: number
  /** Consecutive failed starts before giving up (state `failed`). */
  maxAttempts: number
  /** A run at least this long counts as healthy: the next crash starts counting from 1 again. */
  stableMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, maxAttempts: 6, stableMs: 60_000 }

/** Delay before restart number `attempt` (1-based): doubles each time, capped at `maxMs`. */
export function backoffDelay(attempt: number, policy: Pick<BackoffPolicy, 'initialMs' | 'maxMs'>): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1))
}

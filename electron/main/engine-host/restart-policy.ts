import type { BackoffPolicy } from '../../../shared/backoff'

/** How restarts of a crashed engine are spaced (the delays come from the shared `backoffDelay`) and bounded. */
export interface RestartPolicy extends BackoffPolicy {
  /** Consecutive failed starts before giving up (state `failed`). */
  maxAttempts: number
  /** A run at least this long counts as healthy: the next crash starts counting from 1 again. */
  stableMs: number
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialMs: 500, maxMs: 30_000, maxAttempts: 6, stableMs: 60_000 }

/** Exponential backoff: the first delay, doubled per attempt up to the cap. */
export interface BackoffPolicy {
  initialMs: number
  maxMs: number
}

/**
 * The delay before retry `attempt` (0-based): `initialMs * 2^attempt` capped at `maxMs`. With `random`, "equal
 * jitter": half the capped delay plus a random share of the other half, so retries from a restart storm spread out
 * but never collapse to zero.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random?: () => number): number {
  const capped = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt))
  return random ? Math.round(capped / 2 + random() * (capped / 2)) : capped
}

/** A backoff that remembers its attempt: `next()` hands out the growing delays, `reset()` starts over. */
export class Backoff {
  private attempt = 0

  constructor(
    private readonly policy: () => BackoffPolicy,
    private readonly random?: () => number,
  ) {}

  /** The delay the next `next()` returns, without using it up. */
  peek(): number {
    return backoffDelay(this.attempt, this.policy(), this.random)
  }

  next(): number {
    const delay = this.peek()
    this.attempt += 1
    return delay
  }

  reset(): void {
    this.attempt = 0
  }
}

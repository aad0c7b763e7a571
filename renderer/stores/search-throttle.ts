/** A scheduled call that can be dropped before it starts. */
export interface Throttled<A extends unknown[]> {
  (...args: A): void
  /** Forgets the waiting call (one already running still settles). */
  cancel(): void
}

/**
 * Search-as-you-type pacing: the first call after a pause runs at once (leading edge); while calls keep coming, the
 * newest one runs when the previous run has settled and `intervalMs` has passed since it started (trailing edge).
 * Calls in between are replaced, never queued, so the engine sees at most one search in flight per window.
 */
export function throttleLatest<A extends unknown[]>(
  intervalMs: number,
  run: (...args: A) => Promise<unknown>,
  now: () => number = () => performance.now(),
): Throttled<A> {
  let waiting: A | null = null
  let running = false
  let lastStart = -Infinity
  let timer: ReturnType<typeof setTimeout> | null = null

  const pump = (): void => {
    if (running || waiting === null || timer !== null) return
    const wait = lastStart + intervalMs - now()
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = null
        pump()
      }, wait)
      return
    }
    const args = waiting
    waiting = null
    running = true
    lastStart = now()
    const settle = () => {
      running = false
      pump()
    }
    // A run that throws synchronously must not leave the throttle stuck in `running`.
    new Promise<unknown>((resolve) => resolve(run(...args))).then(settle, settle)
  }

  const throttled = (...args: A): void => {
    waiting = args
    pump()
  }
  throttled.cancel = (): void => {
    waiting = null
    if (timer !== null) clearTimeout(timer)
    timer = null
  }
  return throttled
}

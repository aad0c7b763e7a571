import type { Disposable } from '../../../shared/lifecycle'

export interface SyncSchedulerOptions {
  /** Quiet time after indexing settles before a background pass. */
  debounceMs: number
  /** After a background pass failed on a retryable error, the next try. */
  retryLaterMs: number
  /** Runs one background pass; resolves true when it should be tried again later (a retryable failure). */
  run: () => Promise<boolean>
  /** A retry is planned at this time. */
  onRetryPlanned: (retryAt: Date) => void
}

/** When background sync passes run: debounced after indexing, and once more later after a retryable failure. */
export class SyncScheduler implements Disposable {
  private debounceTimer: ReturnType<typeof setTimeout> | null = null
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private disposed = false

  constructor(private readonly options: SyncSchedulerOptions) {}

  /** (Re)starts the quiet period; the pass runs when it ends. */
  schedule(): void {
    if (this.disposed) return
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null
      this.runNow()
    }, this.options.debounceMs)
    this.debounceTimer.unref?.()
  }

  dispose(): void {
    this.disposed = true
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.debounceTimer = null
    this.retryTimer = null
  }

  private runNow(): void {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer)
      this.retryTimer = null
    }
    void this.options.run().then((retry) => {
      if (!retry || this.disposed) return
      const delay = this.options.retryLaterMs
      this.options.onRetryPlanned(new Date(Date.now() + delay))
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null
        this.runNow()
      }, delay)
      this.retryTimer.unref?.()
    })
  }
}

/** Runs async jobs one at a time, in the order they were queued; a failed job does not stop the next. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private pending = 0

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending += 1
    const result = this.tail.then(job, job)
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    )
    return result
  }

  /** Resolves once every job queued so far (and any they queue) has finished. */
  async whenIdle(): Promise<void> {
    while (this.pending > 0) await this.tail
  }
}

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

  /** Jobs queued or running. */
  get size(): number {
    return this.pending
  }

  /** Resolves once every job queued so far (and any they queue) has finished. */
  async whenIdle(): Promise<void> {
    while (this.pending > 0) await this.tail
  }
}

/** One SerialQueue per key: jobs of the same key run one at a time, different keys run side by side. */
export class KeyedSerialQueue<K> {
  private readonly queues = new Map<K, SerialQueue>()

  run<T>(key: K, job: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(key)
    if (!queue) {
      queue = new SerialQueue()
      this.queues.set(key, queue)
    }
    const owner = queue
    const result = owner.run(job)
    // Forget a key once its last job settled, so a long-lived store does not keep one queue per table ever used.
    void owner.whenIdle().then(() => {
      if (owner.size === 0 && this.queues.get(key) === owner) this.queues.delete(key)
    })
    return result
  }

  /** Keys with a job queued or running. */
  get activeKeys(): number {
    return this.queues.size
  }

  /** Resolves once every key's jobs queued so far have finished. */
  async whenIdle(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()].map((queue) => queue.whenIdle()))
  }
}

/** Anything that holds a resource (a watcher, a worker, a DB handle) and must be released by its owner. */
export interface Disposable {
  dispose(): void | Promise<void>
}

/** Owns several disposables and releases them in reverse order of registration. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = []
  private disposed = false

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      void item.dispose()
      return item
    }
    this.items.push(item)
    return item
  }

  get isDisposed(): boolean {
    return this.disposed
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    const errors: unknown[] = []
    for (const item of this.items.reverse()) {
      try {
        await item.dispose()
      } catch (error) {
        errors.push(error)
      }
    }
    this.items.length = 0
    if (errors.length > 0) throw new AggregateError(errors, 'Some resources failed to dispose')
  }
}

export function toDisposable(fn: () => void | Promise<void>): Disposable {
  return { dispose: fn }
}

/** A tiny typed event emitter whose subscriptions are disposables. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>()

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener)
    return toDisposable(() => {
      this.listeners.delete(listener)
    })
  }

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value)
      } catch (error) {
        // A listener's failure must not break the emitter or the other listeners.
        console.error('[emitter] listener failed', error)
      }
    }
  }

  dispose(): void {
    this.listeners.clear()
  }
}

import type { WebContents } from 'electron'
import type { BrainEventName, BrainEvents } from '../../../shared/ipc'
import { ipcChannel } from '../../../shared/ipc'

/** Events that are snapshots: a window that is not ready yet only needs the latest one. */
const SNAPSHOT_EVENTS = new Set<BrainEventName>(['index-status', 'gateway-status', 'sync-status', 'settings-change', 'engine-state'])
/** Bounds the queue of a window that never says it is ready (a crashed or stuck renderer). */
const MAX_QUEUED = 2_000

interface Target {
  contents: WebContents
  ready: boolean
  queue: Array<{ event: BrainEventName; payload: unknown }>
}

/**
 * Sends main→renderer events to our windows, holding them until each window calls `rendererReady`
 * (the electron/fiddle pattern): a page that is still loading would otherwise drop them.
 */
export class RendererEvents {
  private readonly targets = new Map<number, Target>()

  /** Starts tracking a window's contents; a reload makes it not-ready again until it calls rendererReady. */
  attach(contents: WebContents): void {
    if (this.targets.has(contents.id)) return
    const target: Target = { contents, ready: false, queue: [] }
    this.targets.set(contents.id, target)
    contents.on('did-start-loading', () => {
      target.ready = false
    })
    contents.once('destroyed', () => this.targets.delete(contents.id))
  }

  isAttached(contents: WebContents): boolean {
    return this.targets.has(contents.id)
  }

  /** The window has subscribed: flush what was queued for it, in order. */
  markReady(contents: WebContents): void {
    const target = this.targets.get(contents.id)
    if (!target) return
    target.ready = true
    const queued = target.queue.splice(0)
    for (const { event, payload } of queued) this.deliver(target, event, payload)
  }

  /** Sends to every attached window. */
  broadcast<E extends BrainEventName>(event: E, payload: BrainEvents[E]): void {
    for (const target of this.targets.values()) this.enqueue(target, event, payload)
  }

  /** Sends to one window. */
  send<E extends BrainEventName>(contents: WebContents, event: E, payload: BrainEvents[E]): void {
    const target = this.targets.get(contents.id)
    if (target) this.enqueue(target, event, payload)
  }

  /** Events waiting for a window (for tests and diagnostics). */
  queued(contents: WebContents): number {
    return this.targets.get(contents.id)?.queue.length ?? 0
  }

  private enqueue(target: Target, event: BrainEventName, payload: unknown): void {
    if (target.ready) {
      this.deliver(target, event, payload)
      return
    }
    if (SNAPSHOT_EVENTS.has(event)) {
      const index = target.queue.findIndex((item) => item.event === event)
      if (index !== -1) target.queue.splice(index, 1)
    }
    target.queue.push({ event, payload })
    if (target.queue.length > MAX_QUEUED) target.queue.shift()
  }

  private deliver(target: Target, event: BrainEventName, payload: unknown): void {
    if (target.contents.isDestroyed()) return
    target.contents.send(ipcChannel.event(event), payload)
  }
}

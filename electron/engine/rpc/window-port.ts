import type { Disposable } from '../lifecycle'
import { toDisposable } from '../lifecycle'
import type { RpcPort } from './rpc-port'

/** The channel main uses to hand a window its own MessagePort to the engine (`webContents.postMessage`). */
export const ENGINE_PORT_CHANNEL = 'brain:engine-port'

/** Structural view of a DOM MessagePort (the renderer/preload side of a MessageChannelMain). */
export interface DomMessagePortLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  start(): void
  close(): void
}

/**
 * Wraps a DOM MessagePort. It reports no close of its own (the engine process can die silently), so
 * the owner closes it when main says the engine stopped (`engine-state`).
 */
export function fromDomMessagePort(port: DomMessagePortLike): RpcPort {
  const closeListeners = new Set<() => void>()
  let closed = false
  let started = false
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      const handle = (event: { data: unknown }): void => listener(event.data)
      port.addEventListener('message', handle)
      if (!started) {
        started = true
        port.start()
      }
      return toDisposable(() => port.removeEventListener('message', handle))
    },
    onClose(listener): Disposable {
      if (closed) {
        queueMicrotask(listener)
        return toDisposable(() => {})
      }
      closeListeners.add(listener)
      return toDisposable(() => {
        closeListeners.delete(listener)
      })
    },
    close() {
      if (closed) return
      closed = true
      port.close()
      for (const listener of [...closeListeners]) listener()
      closeListeners.clear()
    },
  }
}

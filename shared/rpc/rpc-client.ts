import { abortedError, BrainError } from '../errors'
import type { AsyncMethods } from '../ipc'
import type { Disposable } from '../lifecycle'
import { DisposableStore, toDisposable } from '../lifecycle'
import { isRpcMessage, type RpcMessage } from './protocol'
import type { RpcPort } from './rpc-port'

type MethodArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never
type MethodResult<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? Awaited<R> : never

/** How one call runs, beside its arguments. */
export interface RpcCallOptions {
  /** Aborting sends `cancel`; the call then settles with the server's answer (a stopped answer's partial text, or an `aborted` error). */
  signal?: AbortSignal
  /** Hears the events the server streams for this call alone (answer deltas). */
  onEvent?: (event: string, payload: unknown) => void
  /** What the request hands over rather than copies: buffers, or message ports for the server to serve. */
  transfer?: readonly unknown[]
}

/** The client's own members, beside the proxied methods. */
export interface RpcClientControls<T, Events = Record<string, unknown>> extends Disposable {
  /** Calls a method with a signal, a listener for its own events, or ports to hand over (`RpcCallOptions`). */
  call<K extends keyof T & string>(method: K, args: MethodArgs<T, K>, options?: RpcCallOptions): Promise<MethodResult<T, K>>
  on<E extends keyof Events & string>(event: E, listener: (payload: Events[E]) => void): Disposable
  /** Fires once when the port closed (peer gone or disposed); pending calls have been rejected by then. */
  onClose(listener: () => void): Disposable
  readonly closed: boolean
  dispose(): void
}

/** A typed client: every method of `T` returns a promise; plus `call`, `on` and `dispose`. */
export type RpcClient<T, Events = Record<string, unknown>> = AsyncMethods<T> & RpcClientControls<T, Events>

interface Pending {
  resolve(value: unknown): void
  reject(error: unknown): void
  onEvent?: (event: string, payload: unknown) => void
}

const CONTROL_KEYS = new Set(['call', 'on', 'onClose', 'closed', 'dispose'])

/** Creates a client over `port`; the client owns the port and closes it on dispose. */
export function createRpcClient<T, Events = Record<string, unknown>>(port: RpcPort): RpcClient<T, Events> {
  const pending = new Map<number, Pending>()
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const closeListeners = new Set<() => void>()
  const store = new DisposableStore()
  let nextId = 1
  let closed = false

  const unavailable = (): BrainError => new BrainError('engine-unavailable', 'The engine connection is closed.', { retryable: true })

  const shutDown = (): void => {
    if (closed) return
    closed = true
    for (const entry of pending.values()) entry.reject(unavailable())
    pending.clear()
    void store.dispose()
    for (const listener of [...closeListeners]) listener()
    closeListeners.clear()
    listeners.clear()
  }

  store.add(
    port.onMessage((message) => {
      if (!isRpcMessage(message)) return
      if (message.kind === 'response') {
        const entry = pending.get(message.id)
        if (!entry) return
        pending.delete(message.id)
        if (message.ok) entry.resolve(message.value)
        else entry.reject(BrainError.fromData(message.error))
      } else if (message.kind === 'event' && message.id !== undefined) {
        const onEvent = pending.get(message.id)?.onEvent
        try {
          onEvent?.(message.event, message.payload)
        } catch (error) {
          console.error('[rpc] call event listener failed', error)
        }
      } else if (message.kind === 'event') {
        for (const listener of [...(listeners.get(message.event) ?? [])]) {
          try {
            listener(message.payload)
          } catch (error) {
            console.error('[rpc] event listener failed', error)
          }
        }
      }
    }),
  )
  store.add(port.onClose(shutDown))

  const call = (method: string, args: unknown[], { signal, onEvent, transfer }: RpcCallOptions = {}): Promise<unknown> => {
    if (closed) return Promise.reject(unavailable())
    if (signal?.aborted) return Promise.reject(abortedError(signal.reason))
    const id = nextId++
    return new Promise((resolve, reject) => {
      // The server answers a cancelled call too (the port closing rejects it otherwise), so the call waits for that.
      const onAbort = (): void => {
        if (pending.has(id) && !closed) port.postMessage({ kind: 'cancel', id } satisfies RpcMessage)
      }
      pending.set(id, {
        onEvent,
        resolve(value) {
          signal?.removeEventListener('abort', onAbort)
          resolve(value)
        },
        reject(error) {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        },
      })
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        port.postMessage({ kind: 'request', id, method, args } satisfies RpcMessage, transfer)
      } catch (error) {
        pending.delete(id)
        signal?.removeEventListener('abort', onAbort)
        reject(new BrainError('invalid-input', `Arguments of ${method} cannot be sent: ${String(error)}`, { cause: error }))
      }
    })
  }

  const controls = {
    call,
    on(event: string, listener: (payload: unknown) => void): Disposable {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      return toDisposable(() => {
        listeners.get(event)?.delete(listener)
      })
    },
    onClose(listener: () => void): Disposable {
      if (closed) {
        queueMicrotask(listener)
        return toDisposable(() => {})
      }
      closeListeners.add(listener)
      return toDisposable(() => {
        closeListeners.delete(listener)
      })
    },
    get closed() {
      return closed
    },
    dispose() {
      if (closed) return
      port.close()
      shutDown()
    },
  }

  return new Proxy(controls, {
    get(target, key) {
      if (typeof key !== 'string') return undefined
      if (CONTROL_KEYS.has(key)) return Reflect.get(target, key)
      // `then` must stay undefined, or awaiting the client would treat it as a thenable.
      if (key === 'then') return undefined
      return (...args: unknown[]) => call(key, args)
    },
  }) as unknown as RpcClient<T, Events>
}

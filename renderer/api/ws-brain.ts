import { backoffDelay } from '../../shared/backoff'
import { BrainError } from '../../shared/errors'
import {
  BRAIN_EVENT_NAMES,
  ENGINE_METHOD_NAMES,
  SHELL_METHOD_NAMES,
  type BrainApi,
  type BrainEventName,
  type BrainEvents,
  type BrainMethods,
} from '../../shared/ipc'
import { takeSignal } from '../../shared/rpc/abort-link'
import { fromWebSocket, type WebSocketLike } from '../../shared/rpc/port-adapters'
import { createRpcClient, type RpcClient } from '../../shared/rpc/rpc-client'

/** The WebSocket constructor to use (the browser's by default; tests pass the `ws` package's). */
export type WebSocketFactory = new (url: string) => WebSocket

/** Options of `createWsBrain`. */
export interface WsBrainOptions {
  WebSocket?: WebSocketFactory
  /** Delay before reconnecting after the bridge goes away; doubles up to 8 s. */
  reconnectDelayMs?: number
}

/** A `BrainApi` over the WebSocket bridge, plus `close()` for tests. */
export interface WsBrain extends BrainApi {
  close(): void
}

/**
 * The browser's `window.brain`: the same `BrainApi` the Electron preload exposes, over the app's one RPC protocol
 * (JSON frames on a WebSocket to the dev bridge). Calls made while (re)connecting wait for the socket; a dropped
 * socket fails them with `engine-unavailable`, and the next connection is a new client.
 */
export function createWsBrain(url: string, options: WsBrainOptions = {}): WsBrain {
  const SocketClass = options.WebSocket ?? globalThis.WebSocket
  const listeners = new Map<BrainEventName, Set<(payload: unknown) => void>>()
  let client: RpcClient<BrainMethods> | null = null
  let closed = false
  let attempt = 0
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null
  const baseDelay = options.reconnectDelayMs ?? 500

  const emit = (event: string, payload: unknown): void => {
    for (const listener of [...(listeners.get(event as BrainEventName) ?? [])]) {
      try {
        listener(payload)
      } catch (error) {
        console.error(`[brain] ${event} listener failed`, error)
      }
    }
  }

  const connectAndFlush = (): void => {
    connect()
    flushWaiting()
  }

  const connect = (): void => {
    const socket = new SocketClass(url)
    // A failed connect is followed by close, which handles it; without a handler some clients throw.
    socket.onerror = () => {}
    socket.addEventListener('open', () => {
      attempt = 0
    })
    const current = createRpcClient<BrainMethods>(fromWebSocket(socket as unknown as WebSocketLike))
    client = current
    for (const event of BRAIN_EVENT_NAMES) current.on(event, (payload) => emit(event, payload))
    current.onClose(() => {
      if (client !== current) return
      client = null
      if (closed) return
      attempt += 1
      const retryInMs = backoffDelay(attempt - 1, { initialMs: baseDelay, maxMs: 8000 })
      // The same state the Electron shell pushes when its engine process restarts, so the UI shows one thing.
      emit('engine-state', { type: 'restarting', attempt, retryInMs, lastExit: 'The bridge connection closed.' })
      reconnectTimer = setTimeout(() => {
        reconnectTimer = null
        if (!closed) connectAndFlush()
      }, retryInMs)
    })
  }

  // Between a lost socket and the next one, calls wait for the reconnect rather than fail at once.
  const waiting: Array<() => void> = []
  const invoke = (method: string, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> => {
    if (closed) return Promise.reject(new BrainError('engine-unavailable', 'The bridge client is closed.'))
    if (client) return client.call(method as keyof BrainMethods & string, args as never, { signal, onEvent: emit })
    return new Promise<void>((resolve) => waiting.push(resolve)).then(() => invoke(method, args, signal))
  }
  const flushWaiting = (): void => {
    for (const resume of waiting.splice(0)) resume()
  }

  const api: Record<string, unknown> = {}
  for (const method of [...ENGINE_METHOD_NAMES, ...SHELL_METHOD_NAMES]) {
    api[method] = (...values: unknown[]) => {
      const { args, signal } = takeSignal(values)
      return invoke(method, args, signal)
    }
  }
  api.on = <E extends BrainEventName>(event: E, listener: (payload: BrainEvents[E]) => void) => {
    const set = listeners.get(event) ?? new Set()
    listeners.set(event, set)
    const wrapped = listener as (payload: unknown) => void
    set.add(wrapped)
    return () => {
      set.delete(wrapped)
    }
  }
  api.close = () => {
    closed = true
    if (reconnectTimer) clearTimeout(reconnectTimer)
    client?.dispose()
    flushWaiting()
  }

  connectAndFlush()
  return api as unknown as WsBrain
}

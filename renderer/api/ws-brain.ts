import { BrainError, type ErrorData } from '../../shared/errors'
import {
  BRAIN_EVENT_NAMES,
  ENGINE_METHOD_NAMES,
  SHELL_METHOD_NAMES,
  type BrainApi,
  type BrainEventName,
  type BrainEvents,
  type BrainMethodName,
} from '../../shared/ipc'

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

interface Pending {
  resolve(value: unknown): void
  reject(error: unknown): void
}

const eventNames = new Set<string>(BRAIN_EVENT_NAMES)

/**
 * The browser's `window.brain`: the same `BrainApi` the Electron preload exposes, carried as JSON over the bridge.
 * Calls made while (re)connecting wait for the socket; a dropped socket fails them with `engine-unavailable`.
 */
export function createWsBrain(url: string, options: WsBrainOptions = {}): WsBrain {
  const SocketClass = options.WebSocket ?? globalThis.WebSocket
  const listeners = new Map<BrainEventName, Set<(payload: unknown) => void>>()
  const pending = new Map<number, Pending>()
  const outbox: string[] = []
  let nextId = 1
  let socket: WebSocket | null = null
  let closed = false
  let attempt = 0
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null
  const baseDelay = options.reconnectDelayMs ?? 500

  const emit = (event: BrainEventName, payload: unknown): void => {
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload)
      } catch (error) {
        console.error(`[brain] ${event} listener failed`, error)
      }
    }
  }

  const connect = (): void => {
    const current = new SocketClass(url)
    socket = current
    current.onopen = () => {
      attempt = 0
      for (const frame of outbox.splice(0)) current.send(frame)
    }
    current.onmessage = (message: MessageEvent) => {
      const data = JSON.parse(String(message.data)) as
        | { id: number; result?: unknown; error?: ErrorData }
        | { event: string; payload: unknown }
      if ('event' in data) {
        if (eventNames.has(data.event)) emit(data.event as BrainEventName, data.payload)
        return
      }
      const call = pending.get(data.id)
      if (!call) return
      pending.delete(data.id)
      if (data.error) call.reject(BrainError.fromData(data.error))
      else call.resolve(data.result)
    }
    // A failed connect is followed by close, which handles it; without a handler some clients throw.
    current.onerror = () => {}
    current.onclose = () => {
      if (socket !== current) return
      socket = null
      for (const call of pending.values()) {
        call.reject(new BrainError('engine-unavailable', 'The connection to the engine was lost.', { retryable: true }))
      }
      pending.clear()
      if (closed) return
      attempt += 1
      const retryInMs = Math.min(baseDelay * 2 ** (attempt - 1), 8000)
      // The same state the Electron shell pushes when its engine process restarts, so the UI shows one thing.
      emit('engine-state', { type: 'restarting', attempt, retryInMs, lastExit: 'The bridge connection closed.' })
      reconnectTimer = setTimeout(connect, retryInMs)
    }
  }

  const invoke = (method: BrainMethodName, args: unknown[]): Promise<unknown> => {
    if (closed) return Promise.reject(new BrainError('engine-unavailable', 'The bridge client is closed.'))
    const id = nextId++
    const frame = JSON.stringify({ id, method, args })
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      if (socket && socket.readyState === 1) socket.send(frame)
      else outbox.push(frame)
    })
  }

  const api: Record<string, unknown> = {}
  for (const method of [...ENGINE_METHOD_NAMES, ...SHELL_METHOD_NAMES]) {
    api[method] = (...args: unknown[]) => invoke(method, args)
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
    socket?.close()
  }

  connect()
  return api as unknown as WsBrain
}

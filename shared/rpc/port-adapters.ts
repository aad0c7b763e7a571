// Structural views of each runtime's message port: this file imports neither Node, Electron nor the DOM.
import type { Disposable } from '../lifecycle'
import { toDisposable } from '../lifecycle'
import type { RpcPort } from './rpc-port'

/** Structural view of a `worker_threads` MessagePort (or a Worker's `parentPort`): listeners get the value. */
export interface NodeMessagePortLike {
  postMessage(value: unknown, transfer?: readonly unknown[]): void
  on(event: 'message', listener: (value: unknown) => void): unknown
  on(event: 'close', listener: () => void): unknown
  off(event: 'message', listener: (value: unknown) => void): unknown
  off(event: 'close', listener: () => void): unknown
  close?(): void
}

/** The event Electron passes to `MessagePortMain` and `parentPort` listeners. */
export interface ElectronMessageEventLike<Port = unknown> {
  data: unknown
  ports: Port[]
}

/** Structural view of Electron's `MessagePortMain` (typed here so the engine never imports `electron`). */
export interface ElectronMessagePortLike {
  postMessage(message: unknown, transfer?: unknown[]): void
  on(event: 'message', listener: (event: ElectronMessageEventLike) => void): unknown
  on(event: 'close', listener: () => void): unknown
  off(event: 'message', listener: (event: ElectronMessageEventLike) => void): unknown
  off(event: 'close', listener: () => void): unknown
  start(): void
  close(): void
}

/** Structural view of `process.parentPort` inside an Electron utilityProcess: messages come with the ports main sent. */
export interface ParentPortLike<Port = ElectronMessagePortLike> {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: ElectronMessageEventLike<Port>) => void): unknown
  off(event: 'message', listener: (event: ElectronMessageEventLike<Port>) => void): unknown
}

/** Structural view of Electron's `UtilityProcess` seen from main: it takes ports with a message and reports its exit. */
export interface UtilityProcessLike<Port = unknown> {
  postMessage(message: unknown, transfer?: Port[]): void
  on(event: 'message', listener: (message: unknown) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'exit', listener: (code: number) => void): unknown
}

/** Calls every close listener once, whether the close came from us or from the peer. */
class CloseSignal {
  private fired = false
  private readonly listeners = new Set<() => void>()

  on(listener: () => void): Disposable {
    if (this.fired) {
      queueMicrotask(listener)
      return toDisposable(() => {})
    }
    this.listeners.add(listener)
    return toDisposable(() => {
      this.listeners.delete(listener)
    })
  }

  fire(): void {
    if (this.fired) return
    this.fired = true
    for (const listener of [...this.listeners]) listener()
    this.listeners.clear()
  }
}

/** Message listeners attached to an emitter that outlives the adapter: each removable, all removed by `clear`. */
class AttachedListeners<Event> {
  private readonly handles = new Set<(event: Event) => void>()

  constructor(
    private readonly attach: (handle: (event: Event) => void) => void,
    private readonly detach: (handle: (event: Event) => void) => void,
  ) {}

  add(handle: (event: Event) => void): Disposable {
    this.handles.add(handle)
    this.attach(handle)
    return toDisposable(() => {
      if (this.handles.delete(handle)) this.detach(handle)
    })
  }

  clear(): void {
    for (const handle of this.handles) this.detach(handle)
    this.handles.clear()
  }
}

/**
 * Wraps a `worker_threads` MessagePort, a Worker's `parentPort`, or a `Worker` itself (which reports no close: its
 * owner disposes the client when it exits). Of the adapters, only this one moves transferred buffers; the others copy.
 */
export function fromNodeMessagePort(port: NodeMessagePortLike): RpcPort {
  const closed = new CloseSignal()
  const handleClose = (): void => closed.fire()
  port.on('close', handleClose)
  return {
    postMessage: (message, transfer) => port.postMessage(message, transfer),
    onMessage(listener) {
      // A worker_threads message carries its ports inside the value, never beside it.
      const handle = (value: unknown): void => listener(value, [])
      port.on('message', handle)
      return toDisposable(() => {
        port.off('message', handle)
      })
    },
    onClose: (listener) => closed.on(listener),
    close() {
      port.off('close', handleClose)
      port.close?.()
      closed.fire()
    },
  }
}

/** Wraps an Electron `MessagePortMain` (main process or utilityProcess side). Buffers in `transfer` are copied. */
export function fromElectronMessagePort(port: ElectronMessagePortLike): RpcPort {
  const closed = new CloseSignal()
  const handleClose = (): void => closed.fire()
  port.on('close', handleClose)
  // MessagePortMain queues messages until started; starting after the first listener is attached loses nothing.
  let started = false
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      const handle = (event: ElectronMessageEventLike): void => listener(event.data, event.ports)
      port.on('message', handle)
      if (!started) {
        started = true
        port.start()
      }
      return toDisposable(() => {
        port.off('message', handle)
      })
    },
    onClose: (listener) => closed.on(listener),
    close() {
      port.off('close', handleClose)
      port.close()
      closed.fire()
    },
  }
}

/**
 * Wraps the engine utilityProcess's `parentPort` (the engine side of main's control channel): messages arrive with
 * the ports main transferred. The parentPort cannot transfer back, so `transfer` is ignored and buffers are copied;
 * it never closes while the process lives (the process ends with its parent), so `close` only stops listening.
 */
export function fromParentPort<Port>(parentPort: ParentPortLike<Port>): RpcPort {
  const closed = new CloseSignal()
  const listeners = new AttachedListeners<ElectronMessageEventLike<Port>>(
    (handle) => parentPort.on('message', handle),
    (handle) => parentPort.off('message', handle),
  )
  return {
    postMessage: (message) => parentPort.postMessage(message),
    onMessage: (listener) => listeners.add((event) => listener(event.data, event.ports)),
    onClose: (listener) => closed.on(listener),
    close() {
      listeners.clear()
      closed.fire()
    },
  }
}

/**
 * Wraps a forked `UtilityProcess` (main's side of its control channel): `transfer` hands message ports to the
 * process, and the channel closes when the process exits. `close` stops listening; it does not kill the process.
 */
export function fromUtilityProcess<Port>(child: UtilityProcessLike<Port>): RpcPort {
  const closed = new CloseSignal()
  const listeners = new AttachedListeners<unknown>(
    (handle) => child.on('message', handle),
    (handle) => child.off('message', handle),
  )
  const detach = (): void => {
    child.off('exit', handleExit)
    listeners.clear()
  }
  const handleExit = (): void => {
    detach()
    closed.fire()
  }
  child.on('exit', handleExit)
  return {
    postMessage: (message, transfer) => child.postMessage(message, transfer as Port[] | undefined),
    onMessage: (listener) => listeners.add((message) => listener(message, [])),
    onClose: (listener) => closed.on(listener),
    close() {
      detach()
      closed.fire()
    },
  }
}

/** The part of a DOM `MessageEvent` the adapter reads. */
interface DomMessageEventLike {
  data: unknown
  ports?: readonly unknown[]
}

/** Structural view of a DOM MessagePort (the renderer/preload side of a MessageChannelMain). */
export interface DomMessagePortLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: DomMessageEventLike) => void): void
  removeEventListener(type: 'message', listener: (event: DomMessageEventLike) => void): void
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
      const handle = (event: DomMessageEventLike): void => listener(event.data, event.ports ?? [])
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

/** Structural view of a WebSocket: the browser's, or the `ws` package's (which offers the same listener API). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  addEventListener(type: 'open' | 'close', listener: () => void): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

const WEB_SOCKET_CONNECTING = 0
const WEB_SOCKET_OPEN = 1

/**
 * Wraps a WebSocket: RPC messages travel as JSON text frames, and frames posted while it is still connecting are
 * sent once it opens. A frame that is not JSON reaches listeners as undefined, which the RPC layer ignores.
 */
export function fromWebSocket(socket: WebSocketLike): RpcPort {
  const closed = new CloseSignal()
  const outbox: string[] = []
  socket.addEventListener('open', () => {
    for (const frame of outbox.splice(0)) socket.send(frame)
  })
  socket.addEventListener('close', () => closed.fire())
  return {
    postMessage(message) {
      const frame = JSON.stringify(message)
      if (socket.readyState === WEB_SOCKET_OPEN) socket.send(frame)
      else if (socket.readyState === WEB_SOCKET_CONNECTING) outbox.push(frame)
    },
    onMessage(listener) {
      let active = true
      socket.addEventListener('message', (event) => {
        if (!active) return
        let message: unknown
        try {
          message = JSON.parse(String(event.data))
        } catch {
          message = undefined
        }
        listener(message, [])
      })
      return toDisposable(() => {
        active = false
      })
    },
    onClose: (listener) => closed.on(listener),
    close() {
      socket.close()
      closed.fire()
    },
  }
}

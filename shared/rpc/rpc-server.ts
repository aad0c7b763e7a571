import { abortedError, BrainError, toErrorData } from '../errors'
import type { Disposable } from '../lifecycle'
import { DisposableStore, toDisposable } from '../lifecycle'
import { isRpcMessage, malformedRequestId, type RpcMessage, type RpcRequest } from './protocol'
import type { RpcPort } from './rpc-port'

/**
 * Serves one request; `signal` aborts when the client cancels the call or the port closes. `notify` streams an
 * event of this call to its caller alone (answer deltas), on the port the request came on. `ports` are the message
 * ports the client transferred with the request. Returning an `RpcTransfer` moves its buffers to the client instead
 * of copying them.
 */
export type RpcHandler = (
  method: string,
  args: unknown[],
  signal: AbortSignal,
  notify: (event: string, payload: unknown) => void,
  ports: readonly unknown[],
) => Promise<unknown>

/** A handler's result with the buffers to move rather than copy (vectors: MBs per call); the handler must not touch them after. */
export class RpcTransfer {
  constructor(
    readonly value: unknown,
    readonly transfer: ArrayBuffer[],
  ) {}
}

/** Subscribes the server to an event source; `forward` posts one event to the client. */
export type RpcEventSource = (forward: (event: string, payload: unknown) => void) => Disposable

/** A running server on one port. */
export interface RpcServer extends Disposable {
  /** Pushes an event to the client on this port. */
  emit(event: string, payload: unknown): void
  /** Requests being served right now. */
  readonly pending: number
  dispose(): void
}

/**
 * Serves requests arriving on `port` with `handler`, and forwards `events` to the client.
 * Disposing the server aborts running handlers and closes the port.
 */
export function createRpcServer(port: RpcPort, handler: RpcHandler, events?: RpcEventSource): RpcServer {
  const store = new DisposableStore()
  const running = new Map<number, AbortController>()
  let disposed = false

  const post = (message: RpcMessage, transfer?: readonly unknown[]): void => {
    if (disposed) return
    try {
      port.postMessage(message, transfer)
    } catch (error) {
      // A value that cannot be cloned must still answer the call, or the client would wait forever.
      if (message.kind === 'response' && message.ok) {
        const data = toErrorData(new BrainError('internal', `Result of call ${message.id} cannot be sent: ${String(error)}`))
        port.postMessage({ kind: 'response', id: message.id, ok: false, error: data } satisfies RpcMessage)
      } else {
        throw error
      }
    }
  }

  const serve = async (request: RpcRequest, ports: readonly unknown[]): Promise<void> => {
    const controller = new AbortController()
    running.set(request.id, controller)
    try {
      const notify = (event: string, payload: unknown): void => {
        if (running.get(request.id) === controller) post({ kind: 'event', event, payload, id: request.id })
      }
      const result = await handler(request.method, request.args, controller.signal, notify, ports)
      if (result instanceof RpcTransfer) post({ kind: 'response', id: request.id, ok: true, value: result.value }, result.transfer)
      else post({ kind: 'response', id: request.id, ok: true, value: result })
    } catch (error) {
      post({ kind: 'response', id: request.id, ok: false, error: toErrorData(error) })
    } finally {
      running.delete(request.id)
    }
  }

  store.add(
    port.onMessage((message, ports) => {
      if (!isRpcMessage(message)) {
        // A request we cannot serve is still answered, or its caller would wait forever.
        const id = malformedRequestId(message)
        if (id !== null) post({ kind: 'response', id, ok: false, error: toErrorData(new BrainError('invalid-input', 'A request needs a method name and an array of arguments.')) })
        return
      }
      if (message.kind === 'request') void serve(message, ports)
      else if (message.kind === 'cancel') running.get(message.id)?.abort(abortedError(undefined, 'Cancelled by the caller.'))
    }),
  )
  store.add(port.onClose(() => server.dispose()))
  if (events) store.add(events((event, payload) => post({ kind: 'event', event, payload })))
  store.add(
    toDisposable(() => {
      for (const controller of running.values()) controller.abort(new BrainError('engine-unavailable', 'The connection closed.', { retryable: true }))
      running.clear()
    }),
  )

  const server: RpcServer = {
    emit: (event, payload) => post({ kind: 'event', event, payload }),
    get pending() {
      return running.size
    },
    dispose() {
      if (disposed) return
      disposed = true
      void store.dispose()
      port.close()
    },
  }
  return server
}

// The one wire protocol of notes-rag: main <-> engine, window <-> engine (MessagePorts), and the browser <-> the dev
// bridge (the same messages as JSON over a WebSocket).
import type { ErrorData } from '../errors'

/** A call from client to server; `id` is unique per client. */
export interface RpcRequest {
  kind: 'request'
  id: number
  method: string
  args: unknown[]
}

/**
 * How a call ended: its value, or plain error data (an Error does not survive structured cloning with its code). The
 * one result shape: an RPC response carries it, and so does every ipcMain handler's answer (`IpcResult`).
 */
export type RpcOutcome = { ok: true; value: unknown } | { ok: false; error: ErrorData }

/** The outcome of one request. */
export type RpcResponse = { kind: 'response'; id: number } & RpcOutcome

/**
 * Asks the server to abort the signal it passed to the handler of request `id`. The call still settles with the
 * server's response: a stopped answer resolves with its partial text, other calls reject with `aborted`.
 */
export interface RpcCancel {
  kind: 'cancel'
  id: number
}

/** A pushed event from the server to the client on that port; with `id`, an event of that one call (a streamed delta). */
export interface RpcEvent {
  kind: 'event'
  event: string
  payload: unknown
  id?: number
}

/** Every message the RPC layer puts on a port. */
export type RpcMessage = RpcRequest | RpcResponse | RpcCancel | RpcEvent

const KINDS = new Set(['request', 'response', 'cancel', 'event'])

/** Ports may carry other traffic (or garbage from a confused peer); only well-formed messages are handled. */
export function isRpcMessage(value: unknown): value is RpcMessage {
  if (typeof value !== 'object' || value === null) return false
  const kind = (value as { kind?: unknown }).kind
  if (typeof kind !== 'string' || !KINDS.has(kind)) return false
  if (kind === 'event') {
    const { event, id } = value as RpcEvent
    return typeof event === 'string' && (id === undefined || typeof id === 'number')
  }
  if (typeof (value as { id?: unknown }).id !== 'number') return false
  if (kind === 'request') {
    const request = value as RpcRequest
    return typeof request.method === 'string' && Array.isArray(request.args)
  }
  return true
}

/** The id of a request too malformed to serve (no method, args not an array), so the server can still answer it. */
export function malformedRequestId(value: unknown): number | null {
  if (typeof value !== 'object' || value === null || isRpcMessage(value)) return null
  const { kind, id } = value as { kind?: unknown; id?: unknown }
  return kind === 'request' && typeof id === 'number' ? id : null
}

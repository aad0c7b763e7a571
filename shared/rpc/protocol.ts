import type { ErrorData } from '../errors'

/** A call from client to server; `id` is unique per client. */
export interface RpcRequest {
  kind: 'request'
  id: number
  method: string
  args: unknown[]
}

/** The outcome of one request: a value or plain error data. */
export type RpcResponse =
  | { kind: 'response'; id: number; ok: true; value: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorData }

/** Asks the server to abort the signal it passed to the handler of request `id`. */
export interface RpcCancel {
  kind: 'cancel'
  id: number
}

/** A pushed event from server to every client on that port. */
export interface RpcEvent {
  kind: 'event'
  event: string
  payload: unknown
}

/** Every message the RPC layer puts on a port. */
export type RpcMessage = RpcRequest | RpcResponse | RpcCancel | RpcEvent

const KINDS = new Set(['request', 'response', 'cancel', 'event'])

/** Ports may carry other traffic (or garbage from a confused peer); only well-formed messages are handled. */
export function isRpcMessage(value: unknown): value is RpcMessage {
  if (typeof value !== 'object' || value === null) return false
  const kind = (value as { kind?: unknown }).kind
  if (typeof kind !== 'string' || !KINDS.has(kind)) return false
  if (kind === 'event') return typeof (value as RpcEvent).event === 'string'
  if (typeof (value as { id?: unknown }).id !== 'number') return false
  if (kind === 'request') {
    const request = value as RpcRequest
    return typeof request.method === 'string' && Array.isArray(request.args)
  }
  return true
}

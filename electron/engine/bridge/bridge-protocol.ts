import type { ErrorData } from '../../../shared/errors'
import type { BrainEventName, BrainEvents } from '../../../shared/ipc'

/** A call from a window: `{id, method, args}`; `{cancel: id}` aborts it. */
export type BridgeClientMessage =
  | { id: string | number; method: string; args: unknown[] }
  | { cancel: string | number }

/** What the bridge sends: a call's result or error, or a pushed event. */
export type BridgeServerMessage =
  | { id: string | number; result: unknown }
  | { id: string | number; error: ErrorData }
  | { [E in BrainEventName]: { event: E; payload: BrainEvents[E] } }[BrainEventName]

/** A client message after validation. */
export type ParsedClientMessage =
  | { kind: 'call'; id: string | number; method: string; args: unknown[] }
  | { kind: 'cancel'; id: string | number }
  | { kind: 'invalid'; id: string | number | undefined; error: ErrorData }

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
}

/** Validates one raw WebSocket frame; never throws, so a bad frame cannot take the connection down. */
export function parseClientMessage(raw: string): ParsedClientMessage {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return { kind: 'invalid', id: undefined, error: { code: 'invalid-input', message: 'The message is not JSON.', retryable: false } }
  }
  if (typeof value !== 'object' || value === null) {
    return { kind: 'invalid', id: undefined, error: { code: 'invalid-input', message: 'The message is not an object.', retryable: false } }
  }
  const record = value as Record<string, unknown>
  if ('cancel' in record) {
    return isId(record.cancel)
      ? { kind: 'cancel', id: record.cancel }
      : { kind: 'invalid', id: undefined, error: { code: 'invalid-input', message: 'cancel needs a call id.', retryable: false } }
  }
  const id = isId(record.id) ? record.id : undefined
  if (id === undefined) {
    return { kind: 'invalid', id: undefined, error: { code: 'invalid-input', message: 'A call needs an id.', retryable: false } }
  }
  if (typeof record.method !== 'string') {
    return { kind: 'invalid', id, error: { code: 'invalid-input', message: 'A call needs a method name.', retryable: false } }
  }
  const args = record.args ?? []
  if (!Array.isArray(args)) {
    return { kind: 'invalid', id, error: { code: 'invalid-input', message: 'args must be an array.', retryable: false } }
  }
  return { kind: 'call', id, method: record.method, args }
}

import type { ErrorData } from '../../../shared/errors'

/** Control messages main sends to the engine utilityProcess over its parentPort. */
export type EngineControlMessage =
  /** Opens the engine; sent once, first. */
  | { type: 'open'; dataDir: string; gatewayToken: string | null }
  /**
   * Carries one MessagePort in `ports[0]`: the engine serves RPC on it until it closes. `events: false` skips
   * pushing engine events on it (windows get events from main, queued until they are ready).
   */
  | { type: 'connect'; name: string; events?: boolean }
  | { type: 'set-gateway-token'; token: string | null }
  /** Asks for a clean shutdown; the process exits after `disposed`. */
  | { type: 'dispose' }

/** Messages the engine process sends back over its parentPort. */
export type EngineProcessMessage =
  | { type: 'ready' }
  | { type: 'open-failed'; error: ErrorData }
  | { type: 'disposed' }

/** True for a well-formed control message (the parentPort is ours, but a bad build must not crash the engine). */
export function isEngineControlMessage(value: unknown): value is EngineControlMessage {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  return type === 'open' || type === 'connect' || type === 'set-gateway-token' || type === 'dispose'
}

export function isEngineProcessMessage(value: unknown): value is EngineProcessMessage {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  return type === 'ready' || type === 'open-failed' || type === 'disposed'
}

import type { ErrorData } from '../errors'
import type { Settings } from '../settings'

/**
 * Engine methods served only on main's own port (`connect` with `main: true`), never on a window's: they change
 * what main will run, and main asks the user before it calls them.
 */
export interface MainOnlyEngineMethods {
  setEditorCommand(command: string): Settings
}

export const MAIN_ONLY_METHOD_NAMES = ['setEditorCommand'] as const satisfies readonly (keyof MainOnlyEngineMethods)[]

/** Control messages main sends to the engine utilityProcess over its parentPort. */
export type EngineControlMessage =
  /** Opens the engine; sent once, first. */
  | { type: 'open'; dataDir: string; gatewayToken: string | null }
  /**
   * Carries one MessagePort in `ports[0]`: the engine serves RPC on it until it closes. `events: false` skips
   * pushing engine events on it (windows get events from main, queued until they are ready). `main: true` marks
   * main's own port, the only one that also serves `MainOnlyEngineMethods`.
   */
  | { type: 'connect'; name: string; events?: boolean; main?: boolean }
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

// What main calls on the engine utilityProcess. Both channels speak the one RPC: the control methods below over the
// process's own channel (main's `UtilityProcess` <-> the engine's `parentPort`), the engine's methods over each
// MessagePort that `connect` hands over.
import type { Settings } from '../settings'

/**
 * Engine methods served only on main's own port (`connect` with `main: true`), never on a window's: they change
 * what main will run, and main asks the user before it calls them.
 */
export interface MainOnlyEngineMethods {
  setEditorCommand(command: string): Settings
}

export const MAIN_ONLY_METHOD_NAMES = ['setEditorCommand'] as const satisfies readonly (keyof MainOnlyEngineMethods)[]

/** How the engine serves a port that `connect` hands over. */
export interface EngineConnectOptions {
  /** False skips pushing engine events on the port (windows get events from main, queued until they are ready). */
  events?: boolean
  /** Marks main's own port, the only one that also serves `MainOnlyEngineMethods`. */
  main?: boolean
}

/** The control methods of the engine process, served on its parentPort. */
export interface EngineProcessMethods {
  /** Opens the engine; settles once it is open, or with the reason it could not. A second call waits for the first. */
  open(dataDir: string, gatewayToken: string | null): void
  /**
   * Serves the engine's RPC on the one MessagePort transferred with this call, until it closes; ports connected
   * before `open` wait for it. `name` says whose port it is (`main`, `window-<id>`).
   */
  connect(name: string, options: EngineConnectOptions): void
  setGatewayToken(token: string | null): void
  /**
   * Closes every port and the engine; the process exits once this call has answered. (Not `dispose`: an RPC
   * client's own `dispose` closes the client.)
   */
  shutDown(): void
}

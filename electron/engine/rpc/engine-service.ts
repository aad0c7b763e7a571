import { BrainError } from '../../../shared/errors'
import { ENGINE_EVENT_NAMES, type CallEventListener } from '../../../shared/ipc'
import type { Disposable } from '../../../shared/lifecycle'
import { DisposableStore, toDisposable } from '../../../shared/lifecycle'
import type { EngineConnectOptions, EngineProcessMethods, MAIN_ONLY_METHOD_NAMES } from '../../../shared/rpc/engine-process-methods'
import { fromElectronMessagePort, fromParentPort, type ElectronMessagePortLike, type ParentPortLike } from '../../../shared/rpc/port-adapters'
import { createRpcServer } from '../../../shared/rpc/rpc-server'

/** What the service needs from the engine facade (`Engine` satisfies it). */
export interface ServableEngine {
  call(method: never, args: never, signal?: AbortSignal, onEvent?: CallEventListener): Promise<unknown>
  on(event: never, listener: (payload: never) => void): Disposable
  setGatewayToken(token: string | null): void
  setEditorCommand(command: string): Promise<unknown>
  dispose(): Promise<void>
}

/** How the service opens the engine: the shell's options for `Engine.open`. */
export type OpenEngine = (options: { dataDir: string; gatewayToken: string | null; watch: boolean }) => Promise<ServableEngine>

const isToken = (value: unknown): value is string | null => value === null || typeof value === 'string'

/** The control channel is ours, but a bad build must get an error back, not crash the engine. */
function invalid(method: string, what: string): BrainError {
  return new BrainError('invalid-input', `Engine-process ${method}: ${what}.`)
}

/**
 * The engine side of the utilityProcess: serves `EngineProcessMethods` on the parentPort. After `open` it serves
 * the engine over every port main hands over with `connect`, forwarding engine events; `shutDown` closes the engine
 * and calls `exit` once the call has answered.
 */
export function serveEngineOverParentPort(parentPort: ParentPortLike, openEngine: OpenEngine, exit: (code: number) => void): Disposable {
  const ports = new DisposableStore()
  let engine: Promise<ServableEngine> | null = null
  let shuttingDown: Promise<number> | null = null

  // Ports that arrive before `open` wait for it rather than being refused.
  const waiting: Array<{ port: ElectronMessagePortLike; options: EngineConnectOptions }> = []

  const serve = (port: ElectronMessagePortLike, { events = true, main = false }: EngineConnectOptions): void => {
    const opened = engine
    if (!opened) {
      waiting.push({ port, options: { events, main } })
      return
    }
    const server = createRpcServer(
      fromElectronMessagePort(port),
      async (method, args, signal, notify) => {
        const ready = await opened
        // On a window's port these names are just unknown methods, which the engine refuses.
        if (main && method === ('setEditorCommand' satisfies (typeof MAIN_ONLY_METHOD_NAMES)[number])) return await ready.setEditorCommand((args as unknown[])[0] as string)
        // `notify` streams the call's own events (answer deltas) back on this port, to this caller only.
        return await ready.call(method as never, args as never, signal, notify)
      },
      events ? (forward) => {
        const subscriptions = new DisposableStore()
        let active = true
        void opened.then(
          (ready) => {
            if (!active) return
            for (const name of ENGINE_EVENT_NAMES) {
              subscriptions.add(ready.on(name as never, ((payload: unknown) => forward(name, payload)) as never))
            }
          },
          () => {},
        )
        return toDisposable(async () => {
          active = false
          await subscriptions.dispose()
        })
      } : undefined,
    )
    ports.add(server)
  }

  const closeAll = async (): Promise<number> => {
    for (const { port } of waiting.splice(0)) port.close()
    try {
      await ports.dispose()
      if (engine) await (await engine.catch(() => null))?.dispose()
      return 0
    } catch (error) {
      console.error('[engine] shutdown failed', error)
      return 1
    }
  }

  const control: { [K in keyof EngineProcessMethods]: (args: unknown[], transferred: readonly unknown[]) => Promise<void> } = {
    async open([dataDir, gatewayToken]) {
      if (typeof dataDir !== 'string' || !isToken(gatewayToken)) throw invalid('open', 'needs a data folder and a token or null')
      if (!engine) {
        engine = openEngine({ dataDir, gatewayToken, watch: true })
        for (const { port, options } of waiting.splice(0)) serve(port, options)
      }
      await engine
    },
    async connect([name, options], transferred) {
      if (typeof name !== 'string' || typeof options !== 'object' || options === null) throw invalid('connect', 'needs a name and options')
      if (transferred.length !== 1) throw invalid('connect', `needs exactly one MessagePort, got ${transferred.length}`)
      if (shuttingDown) {
        ;(transferred[0] as ElectronMessagePortLike).close()
        throw new BrainError('engine-unavailable', 'The engine is shutting down.', { retryable: true })
      }
      const { events, main } = options as EngineConnectOptions
      serve(transferred[0] as ElectronMessagePortLike, { events: events !== false, main: main === true })
    },
    async setGatewayToken([token]) {
      if (!isToken(token)) throw invalid('setGatewayToken', 'needs a token or null')
      // Before `open` there is nothing to tell: open reads the token main holds then.
      const ready = await engine?.catch(() => null)
      ready?.setGatewayToken(token)
    },
    async shutDown() {
      shuttingDown ??= closeAll()
      const code = await shuttingDown
      // A timer runs after the server has posted this call's answer.
      setTimeout(() => exit(code), 0)
    },
  }

  const server = createRpcServer(fromParentPort(parentPort), async (method, args, _signal, _notify, transferred) => {
    if (!Object.hasOwn(control, method)) throw new BrainError('invalid-input', `Unknown engine-process method: ${method}`)
    return await control[method as keyof EngineProcessMethods](args, transferred)
  })
  return toDisposable(async () => {
    server.dispose()
    await ports.dispose()
  })
}

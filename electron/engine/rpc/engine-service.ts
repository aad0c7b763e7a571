import { toErrorData } from '../../../shared/errors'
import { ENGINE_EVENT_NAMES, type CallEventListener } from '../../../shared/ipc'
import type { Disposable } from '../../../shared/lifecycle'
import { DisposableStore, toDisposable } from '../../../shared/lifecycle'
import { isEngineControlMessage, type EngineProcessMessage, type MAIN_ONLY_METHOD_NAMES } from '../../../shared/rpc/engine-process-protocol'
import { fromElectronMessagePort, type ElectronMessageEventLike, type ElectronMessagePortLike, type ParentPortLike } from '../../../shared/rpc/port-adapters'
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

/**
 * The engine side of the utilityProcess: waits for `open`, then serves the engine over every port main sends
 * with `connect`, forwarding engine events; `dispose` closes the engine and calls `exit`.
 */
export function serveEngineOverParentPort(parentPort: ParentPortLike, openEngine: OpenEngine, exit: (code: number) => void): Disposable {
  const store = new DisposableStore()
  let engine: Promise<ServableEngine> | null = null
  // biome-ignore lint/correctness/noUnusedVariables: read by `??=` below, so a second 'dispose' shuts down only once.
  let disposing: Promise<void> | null = null

  const reply = (message: EngineProcessMessage): void => parentPort.postMessage(message)

  // Ports that arrive before `open` wait for it rather than being refused.
  const waiting: Array<{ port: ElectronMessagePortLike; withEvents: boolean; main: boolean }> = []

  const serve = (port: ElectronMessagePortLike, withEvents: boolean, main: boolean): void => {
    const opened = engine
    if (!opened) {
      waiting.push({ port, withEvents, main })
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
      withEvents ? (forward) => {
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
    store.add(server)
  }

  const shutDown = async (): Promise<void> => {
    for (const { port } of waiting.splice(0)) port.close()
    try {
      await store.dispose()
      if (engine) await (await engine.catch(() => null))?.dispose()
      reply({ type: 'disposed' })
      exit(0)
    } catch (error) {
      console.error('[engine] shutdown failed', error)
      exit(1)
    }
  }

  const onMessage = (event: ElectronMessageEventLike<ElectronMessagePortLike>): void => {
    const message = event.data
    if (!isEngineControlMessage(message)) return
    switch (message.type) {
      case 'open': {
        if (engine) return
        engine = openEngine({ dataDir: message.dataDir, gatewayToken: message.gatewayToken, watch: true })
        engine.then(
          () => reply({ type: 'ready' }),
          (error: unknown) => reply({ type: 'open-failed', error: toErrorData(error) }),
        )
        for (const { port, withEvents, main } of waiting.splice(0)) serve(port, withEvents, main)
        return
      }
      case 'connect':
        for (const port of event.ports) serve(port, message.events !== false, message.main === true)
        return
      case 'set-gateway-token':
        void engine?.then((ready) => ready.setGatewayToken(message.token), () => {})
        return
      case 'dispose':
        disposing ??= shutDown()
        return
    }
  }
  parentPort.on('message', onMessage)
  return toDisposable(async () => {
    parentPort.off('message', onMessage)
    await store.dispose()
  })
}

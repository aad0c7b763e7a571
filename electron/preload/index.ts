// The only bridge between the sandboxed renderer and main: one typed `window.brain`, nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  BRAIN_EVENT_NAMES,
  CALL_EVENT_NAMES,
  ENGINE_METHOD_NAMES,
  SHELL_METHOD_NAMES,
  ipcChannel,
  type BrainEventName,
  type BrainEvents,
  type BrainMethodName,
  type EngineMethods,
  type EngineState,
  type IpcResult,
  type PreloadBrain,
} from '../../shared/ipc'
import { errorDataToMessage, toErrorData } from '../../shared/errors'
import { fromAbortLink, takeAbortLink } from '../../shared/rpc/abort-link'
import { fromDomMessagePort, type DomMessagePortLike } from '../../shared/rpc/port-adapters'
import { createRpcClient, type RpcClient } from '../../shared/rpc/rpc-client'

/**
 * The window's own port to the engine, handed over by main once the page has loaded: engine calls (search
 * results, answers and their streamed deltas) then skip main entirely. Until it arrives, and whenever the engine is
 * down, calls go through main's checked IPC relay instead.
 */
let direct: RpcClient<EngineMethods> | null = null

ipcRenderer.on(ipcChannel.enginePort, (event: IpcRendererEvent) => {
  const port = event.ports?.[0] as unknown as DomMessagePortLike | undefined
  if (!port) return
  direct?.dispose()
  direct = createRpcClient<EngineMethods>(fromDomMessagePort(port))
})
// A port to a dead engine never answers: drop it as soon as main says the engine stopped.
ipcRenderer.on(ipcChannel.event('engine-state'), (_event: IpcRendererEvent, state: EngineState) => {
  if (state.type === 'running') return
  direct?.dispose()
  direct = null
})

const engineMethods = new Set<string>(ENGINE_METHOD_NAMES)
const callEvents = new Set<string>(CALL_EVENT_NAMES)
/** Listeners of the events a call made over the direct port streams back on it (main's relay sends them over IPC). */
const callListeners = new Map<string, Set<(payload: unknown) => void>>()

function emitCallEvent(event: string, payload: unknown): void {
  for (const listener of [...(callListeners.get(event) ?? [])]) listener(payload)
}

/** One invoker per method name; main answers with an envelope so the error code survives the crossing. */
function invokers<N extends BrainMethodName>(names: readonly N[]): Pick<PreloadBrain, N> {
  const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const name of names) {
    api[name] = async (...values) => {
      const { args, link } = takeAbortLink(values)
      const port = engineMethods.has(name) && direct && !direct.closed ? direct : null
      if (port) {
        try {
          return await port.call(name as keyof EngineMethods & string, args as never, { signal: link ? fromAbortLink(link) : undefined, onEvent: emitCallEvent })
        } catch (error) {
          throw new Error(errorDataToMessage(toErrorData(error)))
        }
      }
      // Over main's relay (before the window's port arrives) a call cannot be cancelled: ipcRenderer.invoke has no abort.
      const result = (await ipcRenderer.invoke(ipcChannel.invoke(name), ...args)) as IpcResult
      if (result.ok) return result.value
      // contextBridge keeps only an Error's message, so the ErrorData rides in it (decoded by toErrorData).
      throw new Error(errorDataToMessage(result.error))
    }
  }
  return api as unknown as Pick<PreloadBrain, N>
}

const knownEvents = new Set<string>(BRAIN_EVENT_NAMES)

const api = {
  ...invokers(ENGINE_METHOD_NAMES),
  ...invokers(SHELL_METHOD_NAMES),
  on<E extends BrainEventName>(event: E, listener: (payload: BrainEvents[E]) => void): () => void {
    if (!knownEvents.has(event)) throw new Error(`Unknown event: ${String(event)}`)
    const channel = ipcChannel.event(event)
    // The IpcRendererEvent (with `sender`) must not reach the page.
    const handler = (_event: IpcRendererEvent, payload: BrainEvents[E]): void => listener(payload)
    ipcRenderer.on(channel, handler)
    const ownCall = listener as (payload: unknown) => void
    if (callEvents.has(event)) {
      const set = callListeners.get(event) ?? new Set()
      callListeners.set(event, set)
      set.add(ownCall)
    }
    return () => {
      ipcRenderer.removeListener(channel, handler)
      callListeners.get(event)?.delete(ownCall)
    }
  },
} satisfies PreloadBrain

contextBridge.exposeInMainWorld('brain', api)

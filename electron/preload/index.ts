// The only bridge between the sandboxed renderer and main: one typed `window.brain`, nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  BRAIN_EVENT_NAMES,
  ENGINE_METHOD_NAMES,
  SHELL_METHOD_NAMES,
  ipcChannel,
  type AsyncMethods,
  type BrainApi,
  type BrainEventName,
  type BrainEvents,
  type BrainMethodName,
  type BrainMethods,
} from '../../shared/ipc'
import { errorDataToMessage, type ErrorData } from '../../shared/errors'

type IpcResult = { ok: true; value: unknown } | { ok: false; error: ErrorData }

/** One invoker per method name; main answers with an envelope so the error code survives the crossing. */
function invokers<N extends BrainMethodName>(names: readonly N[]): Pick<AsyncMethods<BrainMethods>, N> {
  const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const name of names) {
    api[name] = async (...args) => {
      const result = (await ipcRenderer.invoke(ipcChannel.invoke(name), ...args)) as IpcResult
      if (result.ok) return result.value
      // contextBridge keeps only an Error's message, so the ErrorData rides in it (decoded by toErrorData).
      throw new Error(errorDataToMessage(result.error))
    }
  }
  return api as Pick<AsyncMethods<BrainMethods>, N>
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
    return () => {
      ipcRenderer.removeListener(channel, handler)
    }
  },
} satisfies BrainApi

contextBridge.exposeInMainWorld('brain', api)

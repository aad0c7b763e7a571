import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { BrainError, toErrorData } from '../../../shared/errors'
import {
  ENGINE_METHOD_NAMES,
  SHELL_METHOD_NAMES,
  ipcChannel,
  type AsyncMethods,
  type CallEventListener,
  type EngineMethodName,
  type EngineMethods,
  type IpcResult,
  type ShellMethodName,
  type ShellMethods,
} from '../../../shared/ipc'
import { withoutEditorCommand, type Settings, type SettingsPatch } from '../../../shared/settings'
import type { Disposable } from '../../../shared/lifecycle'
import { toDisposable } from '../../../shared/lifecycle'

/** What the router relays engine methods to (the engine host). */
export interface EngineCaller {
  call<K extends EngineMethodName>(method: K, args: Parameters<EngineMethods[K]>, signal?: AbortSignal, onEvent?: CallEventListener): Promise<Awaited<ReturnType<EngineMethods[K]>>>
}

/** Shell method implementations; each also gets the window that called. */
export type ShellHandlers = {
  [K in ShellMethodName]: (caller: BrowserWindow, ...args: Parameters<ShellMethods[K]>) => ReturnType<AsyncMethods<ShellMethods>[K]> | Awaited<ReturnType<ShellMethods[K]>>
}

export interface IpcRouterOptions {
  engine: EngineCaller
  shell: ShellHandlers
  /** True when a frame URL is one of our renderer pages. */
  isTrustedUrl: (url: string) => boolean
  /** True when the window is one main created (chat or quick search). */
  isOurWindow: (window: BrowserWindow) => boolean
  /** Main's copy of the settings: a renderer's `updateSettings` may not change `ui.editorCommand` against it. */
  settings: () => Settings
}

/**
 * The one place that checks every sender: the frame must be our renderer and the window one of ours.
 * Returns the calling window, or throws.
 */
export function checkSender(event: IpcMainInvokeEvent, options: Pick<IpcRouterOptions, 'isTrustedUrl' | 'isOurWindow'>): BrowserWindow {
  const frameUrl = event.senderFrame?.url
  if (!frameUrl || !options.isTrustedUrl(frameUrl)) {
    throw new BrainError('invalid-input', `IPC from an untrusted frame was refused (${frameUrl ?? 'no frame'}).`)
  }
  // Subframes never get the bridge: only the top-level document of our windows may call.
  if (event.senderFrame && event.senderFrame.parent !== null && event.senderFrame.parent !== undefined) {
    throw new BrainError('invalid-input', 'IPC from a subframe was refused.')
  }
  const window = BrowserWindow.fromWebContents(event.sender)
  if (!window || !options.isOurWindow(window)) throw new BrainError('invalid-input', 'IPC from an unknown window was refused.')
  return window
}

/**
 * Registers `ipcMain.handle` for every engine and shell method. Errors cross as plain `ErrorData`
 * (Electron would keep only the message of a thrown Error), and the preload rethrows them.
 */
export function registerIpc(options: IpcRouterOptions): Disposable {
  const channels: string[] = []
  for (const method of ENGINE_METHOD_NAMES) {
    const channel = ipcChannel.invoke(method)
    channels.push(channel)
    ipcMain.handle(channel, (event, ...args: unknown[]) =>
      settle(async () => {
        checkSender(event, options)
        // The engine refuses it too (windows also reach it over their own port); refusing here keeps it off the wire.
        if (method === 'updateSettings') args = [withoutEditorCommand(args[0] as SettingsPatch, options.settings()), ...args.slice(1)]
        // The call's own events (an answer's deltas) go to the window that called, and to no other.
        const toCaller: CallEventListener = (name, payload) => {
          if (!event.sender.isDestroyed()) event.sender.send(ipcChannel.event(name), payload)
        }
        return await options.engine.call(method, args as never, undefined, toCaller)
      }),
    )
  }
  for (const method of SHELL_METHOD_NAMES) {
    const channel = ipcChannel.invoke(method)
    channels.push(channel)
    ipcMain.handle(channel, (event, ...args: unknown[]) =>
      settle(async () => {
        const caller = checkSender(event, options)
        const handler = options.shell[method] as (caller: BrowserWindow, ...args: unknown[]) => unknown
        return await handler(caller, ...args)
      }),
    )
  }
  return toDisposable(() => {
    for (const channel of channels) ipcMain.removeHandler(channel)
  })
}

async function settle(run: () => Promise<unknown>): Promise<IpcResult> {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    return { ok: false, error: toErrorData(error) }
  }
}

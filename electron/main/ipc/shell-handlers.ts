import { dialog, type BrowserWindow } from 'electron'
import { BrainError } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'
import { saveMarkdownExport } from '../export/save-markdown'
import { openNote } from '../notes/open-note'
import type { GatewayTokenStore } from '../secrets/gateway-token-store'
import type { QuickSearchShortcut } from '../shortcut/quick-search-shortcut'
import type { ShellHandlers } from './ipc-router'
import type { RendererEvents } from './renderer-events'

/** What the shell methods act on; main's composition root provides it. */
export interface ShellContext {
  settings: () => Settings
  tokens: GatewayTokenStore
  /** Hands a new token (or null) to the running engine. */
  applyGatewayToken: (token: string | null) => void
  events: RendererEvents
  shortcut: QuickSearchShortcut
  showChat: () => BrowserWindow
  hideQuickSearch: () => void
}

/** The implementations of every `ShellMethods` entry. */
export function createShellHandlers(context: ShellContext): ShellHandlers {
  return {
    async pickFolder(caller) {
      const result = await dialog.showOpenDialog(caller, {
        title: 'Choose your notes folder',
        properties: ['openDirectory', 'createDirectory'],
        ...(context.settings().folder ? { defaultPath: context.settings().folder! } : {}),
      })
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0]!
    },
    openNote: (_caller, path, line) => openNote(context.settings(), path, line),
    setGatewayToken(_caller, token) {
      // Anything but a string or null is a bug in the caller: never let it silently clear the stored token.
      if (token !== null && typeof token !== 'string') throw new BrainError('invalid-input', 'The gateway token must be a string or null.')
      context.tokens.set(token)
      const stored = context.tokens.get()
      context.applyGatewayToken(stored)
      return stored !== null
    },
    hasGatewayToken: () => context.tokens.has(),
    askInChat(_caller, question) {
      context.hideQuickSearch()
      const chat = context.showChat()
      context.events.send(chat.webContents, 'chat-ask', { question: String(question) })
      return true
    },
    hideQuickSearch() {
      context.hideQuickSearch()
      return true
    },
    getShortcutStatus: () => context.shortcut.status,
    rendererReady(caller) {
      context.events.markReady(caller.webContents)
      return true
    },
    saveMarkdown: (caller, suggestedName, markdown) =>
      saveMarkdownExport(
        async (name) => {
          const result = await dialog.showSaveDialog(caller, { title: 'Export as Markdown', defaultPath: name, filters: [{ name: 'Markdown', extensions: ['md'] }] })
          return result.canceled || !result.filePath ? null : result.filePath
        },
        suggestedName,
        markdown,
      ),
  }
}

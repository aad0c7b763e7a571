import { dialog, shell, type BrowserWindow } from 'electron'
import type { Settings } from '../../../shared/settings'
import type { AskUser } from '../dialogs/ask-user'
import { setEditorCommandConfirmed } from '../notes/confirm-editor-command'
import { saveMarkdownExport } from '../export/save-markdown'
import { openNote } from '../notes/open-note'
import type { GatewayTokenStore } from '../secrets/gateway-token-store'
import { setGatewayTokenAsked } from '../secrets/token-storage-prompt'
import type { QuickSearchShortcut } from '../shortcut/quick-search-shortcut'
import type { ShellHandlers } from './ipc-router'
import type { RendererEvents } from './renderer-events'

/** What the shell methods act on; main's composition root provides it. */
export interface ShellContext {
  settings: () => Settings
  tokens: GatewayTokenStore
  /** Hands a new token (or null) to the running engine. */
  applyGatewayToken: (token: string | null) => void
  /** True when the engine has this path as an indexed note. */
  isIndexedNote: (relativePath: string) => Promise<boolean>
  /** Saves `ui.editorCommand` through main's own engine port (windows cannot). */
  saveEditorCommand: (command: string) => Promise<Settings>
  events: RendererEvents
  shortcut: QuickSearchShortcut
  showChat: () => BrowserWindow
  hideQuickSearch: () => void
}

/** A native message box over the calling window. */
function askOver(caller: BrowserWindow): AskUser {
  return async (prompt) => (await dialog.showMessageBox(caller, { ...prompt, noLink: true })).response
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
    openNote: (_caller, path, line) =>
      openNote(context.settings(), path, line, { isIndexedNote: context.isIndexedNote, openPath: (file) => shell.openPath(file) }),
    setEditorCommand: (caller, command) =>
      setEditorCommandConfirmed(command, { current: context.settings, ask: askOver(caller), save: context.saveEditorCommand }),
    async setGatewayToken(caller, token) {
      const result = await setGatewayTokenAsked(token, context.tokens, askOver(caller))
      if (result.changed) context.applyGatewayToken(context.tokens.get())
      return result.hasToken
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

import { BrowserWindow } from 'electron'
import { rendererEntry, type RendererLocation } from './renderer-location'
import { restrictNavigation, secureWebPreferences } from './window-security'

export interface ChatWindowOptions {
  preloadPath: string
  location: RendererLocation
  iconPath?: string
  /** While false, closing only hides the window: the app keeps running in the tray. */
  isQuitting: () => boolean
}

/** The main chat window. Closing it hides it (the tray stays); it is destroyed only when the app quits. */
export function createChatWindow(options: ChatWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 640,
    minHeight: 420,
    show: false,
    title: 'notes-rag',
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    webPreferences: secureWebPreferences(options.preloadPath),
  })
  restrictNavigation(window, options.location)
  window.once('ready-to-show', () => window.show())
  window.on('close', (event) => {
    if (options.isQuitting()) return
    event.preventDefault()
    window.hide()
  })
  void load(window, options.location)
  return window
}

/** Brings the chat window to the front (second instance, tray, askInChat). */
export function showChatWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}

function load(window: BrowserWindow, location: RendererLocation): Promise<void> {
  const entry = rendererEntry(location, 'chat')
  return entry.kind === 'url' ? window.loadURL(entry.url) : window.loadFile(entry.file)
}

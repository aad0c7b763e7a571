import { BrowserWindow, screen } from 'electron'
import { rendererEntry, type RendererLocation } from './renderer-location'
import { restrictNavigation, secureWebPreferences } from './window-security'

export interface QuickSearchWindowOptions {
  preloadPath: string
  location: RendererLocation
}

export const QUICK_SEARCH_SIZE = { width: 680, height: 460 }

/** The Spotlight-like palette: created hidden at start so the shortcut shows it instantly; hides on blur. */
export function createQuickSearchWindow(options: QuickSearchWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    ...QUICK_SEARCH_SIZE,
    show: false,
    frame: false,
    resizable: false,
    movable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    alwaysOnTop: true,
    skipTaskbar: true,
    transparent: false,
    title: 'notes-rag quick search',
    webPreferences: secureWebPreferences(options.preloadPath),
  })
  restrictNavigation(window, options.location)
  window.on('blur', () => {
    if (!window.isDestroyed()) window.hide()
  })
  const entry = rendererEntry(options.location, 'quick-search')
  void (entry.kind === 'url' ? window.loadURL(entry.url) : window.loadFile(entry.file))
  return window
}

/** Shows the palette centred on the display under the cursor. */
export function showQuickSearch(window: BrowserWindow): void {
  const display = screen.getDisplayNearestPoint(screen.getCursorScreenPoint())
  const area = display.workArea
  const [width, height] = window.getSize()
  window.setBounds({
    x: Math.round(area.x + (area.width - width) / 2),
    y: Math.round(area.y + (area.height - height) / 2),
    width,
    height,
  })
  window.show()
  window.focus()
}

export function toggleQuickSearch(window: BrowserWindow): void {
  if (window.isVisible()) window.hide()
  else showQuickSearch(window)
}

import { app, BrowserWindow, safeStorage, session } from 'electron'
import type { IndexSnapshot } from '../../shared/index-status'
import { ENGINE_EVENT_NAMES, ipcChannel, type BrainEventName, type BrainEvents } from '../../shared/ipc'
import type { Settings } from '../../shared/settings'
import { DisposableStore, toDisposable, type Disposable } from '../../shared/lifecycle'
import { EngineHost, type EngineHostOptions } from './engine-host/engine-host'
import { registerIpc } from './ipc/ipc-router'
import { RendererEvents } from './ipc/renderer-events'
import { createShellHandlers } from './ipc/shell-handlers'
import { GatewayTokenStore } from './secrets/gateway-token-store'
import { readSettings } from './settings/read-settings'
import { QuickSearchShortcut } from './shortcut/quick-search-shortcut'
import { AppTray } from './tray/app-tray'
import { createChatWindow, showChatWindow } from './windows/chat-window'
import { createQuickSearchWindow, toggleQuickSearch } from './windows/quick-search-window'
import { isTrustedRendererUrl, type RendererLocation } from './windows/renderer-location'
import { installContentSecurityPolicy } from './windows/window-security'

export interface AppShellOptions {
  dataDir: string
  enginePath: string
  preloadPath: string
  location: RendererLocation
  windowIconPath?: string
  trayIconPath: string
  /** Asks the app to quit (the tray's Quit); index.ts owns the actual lifecycle. */
  quit: () => void
  engine?: Pick<EngineHostOptions, 'backoff' | 'shutdownTimeoutMs' | 'env'>
}

/**
 * Everything main runs once the app is ready: settings, the engine host, the windows, IPC, tray and
 * global shortcut. index.ts only handles the Electron lifecycle around it.
 */
export class AppShell implements Disposable {
  private readonly store = new DisposableStore()
  private settings: Settings
  private readonly tokens: GatewayTokenStore
  readonly engine: EngineHost
  readonly events = new RendererEvents()
  readonly shortcut: QuickSearchShortcut
  private chat: BrowserWindow | null = null
  private quickSearch: BrowserWindow | null = null
  private tray: AppTray | null = null
  private quitting = false
  private readonly loadedWindows = new WeakSet<BrowserWindow>()

  constructor(private readonly options: AppShellOptions) {
    this.settings = readSettings(options.dataDir)
    this.tokens = new GatewayTokenStore(options.dataDir, safeStorage)
    this.engine = new EngineHost({
      enginePath: options.enginePath,
      dataDir: options.dataDir,
      getGatewayToken: () => this.tokens.get(),
      ...options.engine,
    })
    this.shortcut = new QuickSearchShortcut(() => this.toggleQuickSearch())
  }

  get currentSettings(): Settings {
    return this.settings
  }

  get chatWindow(): BrowserWindow | null {
    return this.chat
  }

  get quickSearchWindow(): BrowserWindow | null {
    return this.quickSearch
  }

  start(): void {
    const { options } = this
    installContentSecurityPolicy(session.defaultSession, options.location)

    this.store.add(this.engine.onState((state) => {
      this.events.broadcast('engine-state', state)
      this.tray?.setEngineState(state)
      if (state.type === 'running') {
        void this.refreshFromEngine()
        for (const window of [this.chat, this.quickSearch]) if (window) this.handEnginePort(window)
      }
    }))
    for (const name of ENGINE_EVENT_NAMES) {
      this.store.add(this.engine.on(name as never, ((payload: unknown) => this.onEngineEvent(name, payload)) as never))
    }
    this.engine.start()

    this.createWindows()
    this.store.add(
      registerIpc({
        engine: this.engine,
        shell: createShellHandlers({
          settings: () => this.settings,
          tokens: this.tokens,
          applyGatewayToken: (token) => this.engine.setGatewayToken(token),
          isIndexedNote: (relativePath) => this.engine.call('isIndexedNote', [relativePath]),
          saveEditorCommand: async (command) => {
            const settings = await this.engine.setEditorCommand(command)
            this.applySettings(settings, this.settings)
            return settings
          },
          events: this.events,
          shortcut: this.shortcut,
          showChat: () => this.showChat(),
          hideQuickSearch: () => this.quickSearch?.hide(),
        }),
        isTrustedUrl: (url) => isTrustedRendererUrl(options.location, url),
        isOurWindow: (window) => window === this.chat || window === this.quickSearch,
        settings: () => this.settings,
      }),
    )

    this.tray = new AppTray({
      iconPath: options.trayIconPath,
      engine: this.engine,
      openChat: () => this.showChat(),
      openQuickSearch: () => this.toggleQuickSearch(),
      quit: options.quit,
    })
    this.store.add(toDisposable(() => this.tray?.dispose()))
    this.store.add(this.shortcut)
    this.applySettings(this.settings, null)
  }

  /** Shows (creating if needed) the chat window. */
  showChat(): BrowserWindow {
    if (!this.chat || this.chat.isDestroyed()) this.chat = this.createChat()
    showChatWindow(this.chat)
    return this.chat
  }

  toggleQuickSearch(): void {
    if (!this.quickSearch || this.quickSearch.isDestroyed()) this.quickSearch = this.createQuickSearch()
    toggleQuickSearch(this.quickSearch)
  }

  /** From now on closing the chat window really closes it. */
  prepareToQuit(): void {
    this.quitting = true
  }

  async dispose(): Promise<void> {
    this.quitting = true
    await this.store.dispose()
    await this.engine.dispose()
    for (const window of [this.chat, this.quickSearch]) if (window && !window.isDestroyed()) window.destroy()
  }

  private createWindows(): void {
    this.chat = this.createChat()
    this.quickSearch = this.createQuickSearch()
  }

  /** Gives a loaded window of ours its own port to the engine (again after every reload or engine restart). */
  private handEnginePort(window: BrowserWindow): void {
    if (window.isDestroyed() || !this.loadedWindows.has(window)) return
    if (!isTrustedRendererUrl(this.options.location, window.webContents.getURL())) return
    const port = this.engine.openPort(`window-${window.webContents.id}`)
    if (port) window.webContents.postMessage(ipcChannel.enginePort, null, [port])
  }

  private trackLoads(window: BrowserWindow): void {
    window.webContents.on('did-start-loading', () => this.loadedWindows.delete(window))
    window.webContents.on('did-finish-load', () => {
      this.loadedWindows.add(window)
      this.handEnginePort(window)
    })
  }

  private createChat(): BrowserWindow {
    const window = createChatWindow({
      preloadPath: this.options.preloadPath,
      location: this.options.location,
      iconPath: this.options.windowIconPath,
      isQuitting: () => this.quitting,
    })
    this.events.attach(window.webContents)
    this.events.send(window.webContents, 'engine-state', this.engine.state)
    this.trackLoads(window)
    return window
  }

  private createQuickSearch(): BrowserWindow {
    const window = createQuickSearchWindow({ preloadPath: this.options.preloadPath, location: this.options.location })
    this.events.attach(window.webContents)
    this.events.send(window.webContents, 'engine-state', this.engine.state)
    this.trackLoads(window)
    return window
  }

  private onEngineEvent(name: BrainEventName, payload: unknown): void {
    this.events.broadcast(name, payload as BrainEvents[typeof name])
    if (name === 'index-status') this.tray?.setSnapshot(payload as IndexSnapshot)
    if (name === 'settings-change') this.applySettings(payload as Settings, this.settings)
  }

  /** Main reacts to the settings it owns the effects of: the shortcut and open-at-login. */
  private applySettings(next: Settings, previous: Settings | null): void {
    this.settings = next
    if (!previous || previous.ui.quickSearchShortcut !== next.ui.quickSearchShortcut || !this.shortcut.status.registered) {
      this.shortcut.register(next.ui.quickSearchShortcut)
    }
    if (!previous || previous.ui.openAtLogin !== next.ui.openAtLogin) {
      // A no-op on Linux (Electron supports login items on macOS and Windows only).
      app.setLoginItemSettings({ openAtLogin: next.ui.openAtLogin })
    }
  }

  /** After a (re)start the engine's state may have moved on: take its current snapshot and settings. */
  private async refreshFromEngine(): Promise<void> {
    try {
      const [status, settings] = await Promise.all([this.engine.call('getStatus', []), this.engine.call('getSettings', [])])
      this.tray?.setSnapshot(status)
      this.events.broadcast('index-status', status)
      if (JSON.stringify(settings) !== JSON.stringify(this.settings)) {
        this.applySettings(settings, this.settings)
        this.events.broadcast('settings-change', settings)
      }
    } catch (error) {
      // A restart or shutdown in between is reported through engine-state already.
      if (!this.quitting && this.engine.state.type === 'running') console.warn('[app] could not read the engine state after start', error)
    }
  }
}

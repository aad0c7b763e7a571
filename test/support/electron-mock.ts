// A small, stateful stand-in for the `electron` module (its binary cannot run here). Tests use it with
//   vi.mock('electron', async () => (await import('../../support/electron-mock')).electronModule)
// and drive or inspect it through `electronMock`. Only what the shell uses is modelled.
import { EventEmitter } from 'node:events'
import { MessageChannel, type MessagePort } from 'node:worker_threads'

type Listener = (...args: any[]) => void

/** Wraps a worker_threads port the way Electron's MessagePortMain behaves: `{data, ports}` events, start(). */
export class FakeMessagePortMain extends EventEmitter {
  started = false
  private readonly wrapped = new Map<Listener, (value: unknown) => void>()

  constructor(readonly port: MessagePort) {
    super()
    port.on('close', () => this.emit('close'))
  }

  postMessage(message: unknown): void {
    this.port.postMessage(message)
  }

  override on(event: string | symbol, listener: Listener): this {
    if (event === 'message') {
      const wrapped = (data: unknown): void => listener({ data, ports: [] })
      this.wrapped.set(listener, wrapped)
      this.port.on('message', wrapped)
      return this
    }
    return super.on(event, listener)
  }

  override off(event: string | symbol, listener: Listener): this {
    if (event === 'message') {
      const wrapped = this.wrapped.get(listener)
      if (wrapped) this.port.off('message', wrapped)
      this.wrapped.delete(listener)
      return this
    }
    return super.off(event, listener)
  }

  start(): void {
    this.started = true
  }

  close(): void {
    this.port.close()
  }
}

class FakeMessageChannelMain {
  readonly port1: FakeMessagePortMain
  readonly port2: FakeMessagePortMain
  constructor() {
    const channel = new MessageChannel()
    this.port1 = new FakeMessagePortMain(channel.port1)
    this.port2 = new FakeMessagePortMain(channel.port2)
  }
}

/** A forked utilityProcess: records what main posts; tests make it reply, crash or exit. */
export class FakeUtilityProcess extends EventEmitter {
  static nextPid = 1000
  pid: number | undefined = FakeUtilityProcess.nextPid++
  readonly posted: Array<{ message: any; transfer: FakeMessagePortMain[] }> = []
  killed = false

  constructor(readonly modulePath: string, readonly args: string[], readonly options: Record<string, unknown>) {
    super()
  }

  postMessage(message: unknown, transfer: FakeMessagePortMain[] = []): void {
    this.posted.push({ message, transfer })
    electronMock.onUtilityMessage?.(this, message, transfer)
  }

  kill(): boolean {
    if (this.pid === undefined) return false
    this.killed = true
    this.exit(null)
    return true
  }

  /** Simulates the process ending (a crash when `code` is not 0). */
  exit(code: number | null): void {
    if (this.pid === undefined) return
    this.pid = undefined
    this.emit('exit', code ?? 1)
  }

  /** The engine side replies on the parentPort. */
  reply(message: unknown): void {
    this.emit('message', message)
  }
}

class FakeSession {
  readonly headerListeners: Listener[] = []
  readonly webRequest = {
    onHeadersReceived: (listener: Listener) => {
      this.headerListeners.push(listener)
    },
  }
  permissionRequestHandler: Listener | null = null
  setPermissionRequestHandler(handler: Listener | null): void {
    this.permissionRequestHandler = handler
  }
}

let nextWebContentsId = 1

export class FakeWebContents extends EventEmitter {
  readonly id = nextWebContentsId++
  readonly sent: Array<{ channel: string; args: unknown[] }> = []
  readonly postedMessages: Array<{ channel: string; message: unknown; transfer: unknown[] }> = []
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null
  url = ''
  destroyed = false
  readonly session = electronMock?.session.defaultSession

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args })
  }
  postMessage(channel: string, message: unknown, transfer: unknown[] = []): void {
    this.postedMessages.push({ channel, message, transfer })
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler
  }
  getURL(): string {
    return this.url
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  /** Fires `will-navigate` like Electron does and says whether navigation was prevented. */
  navigate(url: string): boolean {
    let prevented = false
    this.emit('will-navigate', { preventDefault: () => (prevented = true), url }, url)
    if (!prevented) this.url = url
    return prevented
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static readonly all: FakeBrowserWindow[] = []
  readonly webContents = new FakeWebContents()
  visible = false
  focused = false
  destroyed = false
  bounds: { x: number; y: number; width: number; height: number }
  loaded: { url?: string; file?: string; options?: unknown } | null = null

  constructor(readonly options: Record<string, any>) {
    super()
    this.bounds = { x: 0, y: 0, width: options.width ?? 800, height: options.height ?? 600 }
    if (options.show !== false) this.visible = true
    FakeBrowserWindow.all.push(this)
  }

  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.all.filter((window) => !window.destroyed)
  }
  static fromWebContents(contents: unknown): FakeBrowserWindow | null {
    return FakeBrowserWindow.all.find((window) => window.webContents === contents && !window.destroyed) ?? null
  }

  async loadURL(url: string): Promise<void> {
    this.loaded = { url }
    this.webContents.url = url
  }
  async loadFile(file: string, options?: unknown): Promise<void> {
    this.loaded = { file, options }
    this.webContents.url = `file://${file}`
  }
  show(): void {
    this.visible = true
    this.focused = true
    this.emit('show')
  }
  hide(): void {
    this.visible = false
    this.focused = false
    this.emit('hide')
  }
  focus(): void {
    this.focused = true
    this.emit('focus')
  }
  /** What the OS does when the user clicks elsewhere. */
  blur(): void {
    this.focused = false
    this.emit('blur')
  }
  isVisible(): boolean {
    return this.visible
  }
  isMinimized(): boolean {
    return false
  }
  restore(): void {}
  isDestroyed(): boolean {
    return this.destroyed
  }
  getBounds() {
    return { ...this.bounds }
  }
  setBounds(bounds: Partial<{ x: number; y: number; width: number; height: number }>): void {
    this.bounds = { ...this.bounds, ...bounds }
  }
  setPosition(x: number, y: number): void {
    this.bounds = { ...this.bounds, x, y }
  }
  getSize(): [number, number] {
    return [this.bounds.width, this.bounds.height]
  }
  /** The user closes the window: `close` can be prevented, otherwise the window is destroyed. */
  close(): void {
    let prevented = false
    this.emit('close', { preventDefault: () => (prevented = true) })
    if (!prevented) this.destroy()
  }
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.visible = false
    this.webContents.destroyed = true
    this.emit('closed')
    this.webContents.emit('destroyed')
  }
}

class FakeTray extends EventEmitter {
  static readonly all: FakeTray[] = []
  menu: { items: Array<Record<string, any>> } | null = null
  tooltip = ''
  destroyed = false
  constructor(readonly image: unknown) {
    super()
    FakeTray.all.push(this)
  }
  setContextMenu(menu: { items: Array<Record<string, any>> } | null): void {
    this.menu = menu
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip
  }
  destroy(): void {
    this.destroyed = true
  }
}

function createState() {
  const app = Object.assign(new EventEmitter(), {
    paths: new Map<string, string>(),
    name: 'Electron',
    singleInstanceLock: true,
    quitCalls: 0,
    loginItemSettings: null as null | Record<string, unknown>,
    isPackaged: false,
    getPath(name: string): string {
      const path = app.paths.get(name)
      if (!path) throw new Error(`getPath(${name}) not set in the electron mock`)
      return path
    },
    setPath(name: string, value: string): void {
      app.paths.set(name, value)
    },
    getName: () => app.name,
    setName(name: string): void {
      app.name = name
    },
    getAppPath: () => process.cwd(),
    requestSingleInstanceLock: () => app.singleInstanceLock,
    whenReady: () => Promise.resolve(),
    quit(): void {
      app.quitCalls++
      app.emit('before-quit', { preventDefault() {} })
    },
    exit(): void {},
    setLoginItemSettings(settings: Record<string, unknown>): void {
      app.loginItemSettings = settings
    },
    focus(): void {},
  })

  const handlers = new Map<string, Listener>()
  const ipcMain = Object.assign(new EventEmitter(), {
    handlers,
    handle(channel: string, handler: Listener): void {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
      handlers.set(channel, handler)
    },
    removeHandler(channel: string): void {
      handlers.delete(channel)
    },
    /** What Electron does for `ipcRenderer.invoke`: the handler's result, or its rejection. */
    async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
      const handler = handlers.get(channel)
      if (!handler) throw new Error(`No handler registered for '${channel}'`)
      return await handler(event, ...args)
    },
  })

  const forks: FakeUtilityProcess[] = []
  const utilityProcess = {
    fork(modulePath: string, args: string[] = [], options: Record<string, unknown> = {}): FakeUtilityProcess {
      const child = new FakeUtilityProcess(modulePath, args, options)
      forks.push(child)
      queueMicrotask(() => child.emit('spawn'))
      electronMock.onFork?.(child)
      return child
    },
  }

  const shortcuts = new Map<string, Listener>()
  const globalShortcut = {
    registered: shortcuts,
    /** Accelerators another app holds: registering them returns false, like Electron. */
    taken: new Set<string>(),
    register(accelerator: string, callback: Listener): boolean {
      if (!/^[\w+]+$/.test(accelerator) || accelerator.endsWith('+')) throw new TypeError(`Error processing argument: invalid accelerator "${accelerator}"`)
      if (globalShortcut.taken.has(accelerator)) return false
      shortcuts.set(accelerator, callback)
      return true
    },
    unregister(accelerator: string): void {
      shortcuts.delete(accelerator)
    },
    unregisterAll(): void {
      shortcuts.clear()
    },
    isRegistered: (accelerator: string) => shortcuts.has(accelerator),
  }

  const screen = {
    cursor: { x: 0, y: 0 },
    displays: [{ id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
    getCursorScreenPoint: () => ({ ...screen.cursor }),
    getDisplayNearestPoint(point: { x: number; y: number }) {
      const inside = screen.displays.find(
        (display) =>
          point.x >= display.bounds.x && point.x < display.bounds.x + display.bounds.width && point.y >= display.bounds.y && point.y < display.bounds.y + display.bounds.height,
      )
      return inside ?? screen.displays[0]
    },
    getPrimaryDisplay: () => screen.displays[0],
  }

  // A reversible transform that is not plaintext, so tests can tell an encrypted file from the token.
  const SECRET = 0x5a
  const safeStorage = {
    available: true,
    /** What Linux's `getSelectedStorageBackend` reports ('basic_text' = no keyring, a fixed key). */
    backend: 'gnome_libsecret',
    isEncryptionAvailable: () => safeStorage.available,
    getSelectedStorageBackend: () => safeStorage.backend,
    encryptString(plain: string): Buffer {
      if (!safeStorage.available) throw new Error('Encryption is not available.')
      return Buffer.concat([Buffer.from('v10'), Buffer.from(Buffer.from(plain, 'utf8').map((byte) => byte ^ SECRET))])
    },
    decryptString(encrypted: Buffer): string {
      if (!safeStorage.available) throw new Error('Decryption is not available.')
      if (encrypted.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return Buffer.from(encrypted.subarray(3).map((byte) => byte ^ SECRET)).toString('utf8')
    },
  }

  const shell = {
    opened: [] as string[],
    externals: [] as string[],
    openPathResult: '',
    async openPath(path: string): Promise<string> {
      shell.opened.push(path)
      return shell.openPathResult
    },
    async openExternal(url: string): Promise<void> {
      shell.externals.push(url)
    },
  }

  const dialog = {
    nextResult: { canceled: true, filePaths: [] as string[] },
    calls: [] as unknown[][],
    /** The buttons `showMessageBox` answers with, in order; the dialog's cancel button once they run out. */
    responses: [] as number[],
    messages: [] as Array<{ buttons: string[]; message: string; detail: string; defaultId: number; cancelId: number }>,
    async showMessageBox(...args: unknown[]) {
      const options = (args.length > 1 ? args[1] : args[0]) as { buttons: string[]; message: string; detail: string; defaultId: number; cancelId: number }
      dialog.messages.push(options)
      return { response: dialog.responses.length > 0 ? dialog.responses.shift()! : options.cancelId, checkboxChecked: false }
    },
    async showOpenDialog(...args: unknown[]) {
      dialog.calls.push(args)
      return dialog.nextResult
    },
    nextSaveResult: { canceled: true, filePath: '' },
    saveCalls: [] as unknown[][],
    async showSaveDialog(...args: unknown[]) {
      dialog.saveCalls.push(args)
      return dialog.nextSaveResult
    },
  }

  const defaultSession = new FakeSession()
  const exposed = new Map<string, unknown>()
  const rendererListeners = new Map<string, Set<Listener>>()
  const ipcRenderer = {
    invocations: [] as Array<{ channel: string; args: unknown[] }>,
    async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
      ipcRenderer.invocations.push({ channel, args })
      return { channel, args }
    },
    on(channel: string, listener: Listener) {
      if (!rendererListeners.has(channel)) rendererListeners.set(channel, new Set())
      rendererListeners.get(channel)!.add(listener)
      return ipcRenderer
    },
    removeListener(channel: string, listener: Listener) {
      rendererListeners.get(channel)?.delete(listener)
      return ipcRenderer
    },
    /** Delivers a main→renderer message to the preload's listeners. */
    emit(channel: string, ...args: unknown[]): void {
      for (const listener of [...(rendererListeners.get(channel) ?? [])]) listener({ sender: ipcRenderer, ports: [] }, ...args)
    },
    /** Delivers what `webContents.postMessage(channel, message, ports)` sends: ports on the event. */
    postMessage(channel: string, message: unknown, ports: unknown[]): void {
      for (const listener of [...(rendererListeners.get(channel) ?? [])]) listener({ sender: ipcRenderer, ports }, message)
    },
    listenerCount: (channel: string) => rendererListeners.get(channel)?.size ?? 0,
  }

  return {
    app,
    ipcMain,
    utilityProcess,
    forks,
    globalShortcut,
    screen,
    safeStorage,
    shell,
    dialog,
    session: { defaultSession },
    exposed,
    ipcRenderer,
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown): void {
        exposed.set(key, api)
      },
    },
  }
}

type State = ReturnType<typeof createState>

/** The mock's state and hooks; `reset()` between tests. */
export const electronMock: State & {
  onFork: ((child: FakeUtilityProcess) => void) | null
  onUtilityMessage: ((child: FakeUtilityProcess, message: any, transfer: FakeMessagePortMain[]) => void) | null
  reset(): void
} = {
  ...createState(),
  onFork: null,
  onUtilityMessage: null,
  reset() {
    for (const window of FakeBrowserWindow.all) window.removeAllListeners()
    FakeBrowserWindow.all.length = 0
    FakeTray.all.length = 0
    Object.assign(electronMock, createState(), { onFork: null, onUtilityMessage: null })
  },
}

/** Live getters, so `reset()` swaps the state seen through the mocked module too. */
export const electronModule = {
  get app() {
    return electronMock.app
  },
  get ipcMain() {
    return electronMock.ipcMain
  },
  get utilityProcess() {
    return electronMock.utilityProcess
  },
  get globalShortcut() {
    return electronMock.globalShortcut
  },
  get screen() {
    return electronMock.screen
  },
  get safeStorage() {
    return electronMock.safeStorage
  },
  get shell() {
    return electronMock.shell
  },
  get dialog() {
    return electronMock.dialog
  },
  get session() {
    return electronMock.session
  },
  get contextBridge() {
    return electronMock.contextBridge
  },
  get ipcRenderer() {
    return electronMock.ipcRenderer
  },
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  MessageChannelMain: FakeMessageChannelMain,
  Menu: {
    buildFromTemplate: (items: Array<Record<string, any>>) => ({ items }),
  },
  nativeImage: {
    createFromPath: (path: string) => ({ path, isEmpty: () => false, setTemplateImage() {} }),
  },
  get default() {
    return electronModule
  },
}

export { FakeTray, FakeMessageChannelMain }

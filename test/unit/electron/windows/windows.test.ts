import path from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { RendererLocation } from '../../../../electron/main/windows/renderer-location'
import { electronMock, FakeBrowserWindow } from '../../../support/electron-mock'

vi.mock('electron', async () => (await import('../../../support/electron-mock')).electronModule)

const { createChatWindow, showChatWindow } = await import('../../../../electron/main/windows/chat-window')
const { createQuickSearchWindow, showQuickSearch, toggleQuickSearch, QUICK_SEARCH_SIZE } = await import('../../../../electron/main/windows/quick-search-window')
const { isTrustedRendererUrl, rendererEntry } = await import('../../../../electron/main/windows/renderer-location')
const { contentSecurityPolicy, installContentSecurityPolicy } = await import('../../../../electron/main/windows/window-security')

const rendererDir = path.resolve('/app/out/renderer')
const built: RendererLocation = { devServerUrl: null, rendererDir }
const dev: RendererLocation = { devServerUrl: 'http://localhost:5173', rendererDir }

beforeEach(() => electronMock.reset())

describe('window factories', () => {
  it('give both windows the secure webPreferences and the preload', () => {
    const chat = createChatWindow({ preloadPath: '/app/out/preload/index.cjs', location: built, isQuitting: () => false }) as unknown as FakeBrowserWindow
    const quick = createQuickSearchWindow({ preloadPath: '/app/out/preload/index.cjs', location: built }) as unknown as FakeBrowserWindow
    for (const window of [chat, quick]) {
      expect(window.options.webPreferences).toMatchObject({
        preload: '/app/out/preload/index.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
      })
      expect(window.options.show).toBe(false)
    }
    expect(chat.loaded).toEqual({ file: path.join(rendererDir, 'chat.html'), options: undefined })
    expect(quick.loaded).toEqual({ file: path.join(rendererDir, 'quick-search.html'), options: undefined })
  })

  it('loads the dev server pages in development', () => {
    const chat = createChatWindow({ preloadPath: '/p.cjs', location: dev, isQuitting: () => false }) as unknown as FakeBrowserWindow
    expect(chat.loaded).toEqual({ url: 'http://localhost:5173/chat.html' })
    expect(rendererEntry({ devServerUrl: 'http://localhost:5173/sub', rendererDir }, 'quick-search')).toEqual({
      kind: 'url',
      url: 'http://localhost:5173/sub/quick-search.html',
    })
  })

  it('makes the quick-search window a frameless, always-on-top palette outside the taskbar', () => {
    const quick = createQuickSearchWindow({ preloadPath: '/p.cjs', location: built }) as unknown as FakeBrowserWindow
    expect(quick.options).toMatchObject({ frame: false, alwaysOnTop: true, skipTaskbar: true, show: false, resizable: false })
    expect(quick.isVisible()).toBe(false)
  })

  it('shows the quick search centred on the display under the cursor, and hides it on blur', () => {
    electronMock.screen.displays = [
      { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } },
      { id: 2, bounds: { x: 1920, y: -200, width: 2560, height: 1440 }, workArea: { x: 1920, y: -175, width: 2560, height: 1415 } },
    ]
    electronMock.screen.cursor = { x: 3000, y: 500 }
    const quick = createQuickSearchWindow({ preloadPath: '/p.cjs', location: built }) as unknown as FakeBrowserWindow
    showQuickSearch(quick as never)
    const { width, height } = QUICK_SEARCH_SIZE
    expect(quick.getBounds()).toEqual({ x: 1920 + (2560 - width) / 2, y: Math.round(-175 + (1415 - height) / 2), width, height })
    expect(quick.isVisible()).toBe(true)
    expect(quick.focused).toBe(true)

    quick.blur()
    expect(quick.isVisible()).toBe(false)

    electronMock.screen.cursor = { x: 10, y: 10 }
    toggleQuickSearch(quick as never)
    expect(quick.getBounds()).toMatchObject({ x: (1920 - width) / 2, y: (1040 - height) / 2 })
    toggleQuickSearch(quick as never)
    expect(quick.isVisible()).toBe(false)
  })

  it('hides the chat window on close (the app stays in the tray) until the app quits', () => {
    let quitting = false
    const chat = createChatWindow({ preloadPath: '/p.cjs', location: built, isQuitting: () => quitting }) as unknown as FakeBrowserWindow
    chat.emit('ready-to-show')
    expect(chat.isVisible()).toBe(true)
    chat.close()
    expect(chat.isDestroyed()).toBe(false)
    expect(chat.isVisible()).toBe(false)
    showChatWindow(chat as never)
    expect(chat.isVisible()).toBe(true)
    quitting = true
    chat.close()
    expect(chat.isDestroyed()).toBe(true)
  })
})

describe('navigation and new windows', () => {
  it('blocks navigation away from our pages; web links go to the browser, other schemes nowhere', () => {
    const chat = createChatWindow({ preloadPath: '/p.cjs', location: built, isQuitting: () => false }) as unknown as FakeBrowserWindow
    const contents = chat.webContents
    expect(contents.navigate(`file://${rendererDir}/quick-search.html`)).toBe(false)
    expect(contents.navigate('https://example.com/week')).toBe(true)
    expect(contents.navigate('http://intranet.lan/')).toBe(true)
    expect(contents.navigate('file:///etc/passwd')).toBe(true)
    expect(contents.navigate('javascript:alert(1)')).toBe(true)
    expect(electronMock.shell.externals).toEqual(['https://example.com/week', 'http://intranet.lan/'])
  })

  it('denies every new window and opens only http(s) links externally', () => {
    const quick = createQuickSearchWindow({ preloadPath: '/p.cjs', location: built }) as unknown as FakeBrowserWindow
    const handler = quick.webContents.windowOpenHandler!
    expect(handler({ url: 'https://docs.example.com' })).toEqual({ action: 'deny' })
    expect(handler({ url: 'file:///home/me/.ssh/id_rsa' })).toEqual({ action: 'deny' })
    expect(handler({ url: 'smb://server/share' })).toEqual({ action: 'deny' })
    expect(electronMock.shell.externals).toEqual(['https://docs.example.com'])
  })

  it('trusts only the renderer folder or the dev server origin', () => {
    const cases: Array<[RendererLocation, string, boolean]> = [
      [built, `file://${rendererDir}/chat.html`, true],
      [built, `file://${rendererDir}/chat.html#/settings`, true],
      [built, `file://${rendererDir}/../main/index.js`, false],
      [built, `file://${rendererDir}-evil/chat.html`, false],
      [built, 'file:///etc/passwd', false],
      [built, 'http://localhost:5173/chat.html', false],
      [built, 'not a url', false],
      [dev, 'http://localhost:5173/chat.html', true],
      [dev, 'http://localhost:5174/chat.html', false],
      [dev, 'https://localhost:5173/chat.html', false],
      [dev, `file://${rendererDir}/chat.html`, true],
    ]
    for (const [location, url, trusted] of cases) expect([url, isTrustedRendererUrl(location, url)]).toEqual([url, trusted])
  })
})

describe('content security policy', () => {
  it('adds a strict CSP header to our pages only and denies permission requests', () => {
    const session = electronMock.session.defaultSession
    installContentSecurityPolicy(session as never, built)
    const listener = session.headerListeners[0]!
    let headers: Record<string, string[]> | undefined
    listener({ url: `file://${rendererDir}/chat.html`, responseHeaders: { 'X-Test': ['1'] } }, (result: { responseHeaders: Record<string, string[]> }) => (headers = result.responseHeaders))
    expect(headers!['X-Test']).toEqual(['1'])
    const policy = headers!['Content-Security-Policy']![0]!
    expect(policy).toContain("default-src 'self'")
    expect(policy).toContain("script-src 'self';")
    expect(policy).toContain("object-src 'none'")
    expect(policy).not.toContain('unsafe-eval')

    listener({ url: 'https://example.com/', responseHeaders: {} }, (result: { responseHeaders: Record<string, string[]> }) => (headers = result.responseHeaders))
    expect(headers!['Content-Security-Policy']).toBeUndefined()

    let granted: boolean | null = null
    session.permissionRequestHandler!(null, 'media', (allow: boolean) => (granted = allow))
    expect(granted).toBe(false)
  })

  it('lets the dev server use inline scripts and its HMR socket, and nothing more', () => {
    expect(contentSecurityPolicy(dev)).toContain("script-src 'self' 'unsafe-inline'")
    expect(contentSecurityPolicy(dev)).toContain("connect-src 'self' ws://localhost:5173")
    expect(contentSecurityPolicy(built)).toContain("connect-src 'self';")
  })
})

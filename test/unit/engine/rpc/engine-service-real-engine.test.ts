// The utilityProcess service over the real Engine facade (tiny generated embedding model, temp data dir):
// what engine-process.ts runs in the app, minus Electron's parentPort and UtilityProcess, which two small
// EventEmitters stand in for. Main's side is the real control client over the real adapter.
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { EngineMethods, BrainEvents } from '../../../../shared/ipc'
import { Engine } from '../../../../electron/engine/engine'
import { serveEngineOverParentPort } from '../../../../electron/engine/rpc/engine-service'
import type { EngineProcessMethods, MainOnlyEngineMethods } from '../../../../shared/rpc/engine-process-methods'
import { createRpcClient } from '../../../../shared/rpc/rpc-client'
import { fromNodeMessagePort, fromUtilityProcess, type UtilityProcessLike } from '../../../../shared/rpc/port-adapters'
import { FakeMessagePortMain } from '../../../support/electron-mock'
import { makeTempDir } from '../../../support/temp-dir'
import { tinyModelOverrides } from '../../../support/engine-fixture'

const temp = makeTempDir('notes-rag-engine-service-')
const folder = path.join(temp.dir, 'notes')
const dataDir = path.join(temp.dir, 'data')
// Main's posts arrive on the parentPort with their ports; the engine's posts arrive as the child's messages.
const parentPort = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void }
const child = new EventEmitter() as EventEmitter & { postMessage(message: unknown, transfer?: FakeMessagePortMain[]): void }
const replies: unknown[] = []
parentPort.postMessage = (message) =>
  queueMicrotask(() => {
    replies.push(message)
    child.emit('message', message)
  })
child.postMessage = (message, transfer = []) => queueMicrotask(() => parentPort.emit('message', { data: message, ports: transfer }))
const control = createRpcClient<EngineProcessMethods>(fromUtilityProcess(child as unknown as UtilityProcessLike<FakeMessagePortMain>))
let exitCode: number | null = null
let opened: Engine | null = null

function connect(events = true, main = false) {
  const channel = new MessageChannel()
  void control.call('connect', ['test', { events, main }], { transfer: [new FakeMessagePortMain(channel.port1)] })
  return createRpcClient<EngineMethods & MainOnlyEngineMethods, BrainEvents>(fromNodeMessagePort(channel.port2))
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

beforeAll(async () => {
  fs.mkdirSync(folder, { recursive: true })
  fs.writeFileSync(path.join(folder, '2023-W14.md'), '# 2023-W14\n\n## Done\n\n- Moved the backup job to the new NAS.\n')
  fs.writeFileSync(path.join(folder, '2024-03-11.md'), '# Monday\n\n- Standup about the search latency.\n')
  const overrides = await tinyModelOverrides({ folder })
  serveEngineOverParentPort(
    parentPort as never,
    async (options) => (opened = await Engine.open({ ...options, overrides, watch: false })),
    (code) => {
      exitCode = code
      child.emit('exit', code)
    },
  )
})

afterAll(async () => {
  await opened?.dispose().catch(() => undefined)
  temp.cleanup()
})

describe('engine service over the real Engine', () => {
  it('serves calls on a port connected before the engine finished opening, then indexes and searches', async () => {
    const client = connect()
    const open = control.open(dataDir, null)
    const status = client.getStatus()
    await open
    expect((await status).folder).toBe(folder)
    // A second open waits for the same engine rather than opening another.
    await control.open(dataDir, null)

    const summary = await client.reindex()
    expect(summary.added).toBe(2)
    const result = await client.search('backup NAS')
    expect(result.hits[0]?.path).toBe('2023-W14.md')
    await expect(client.getConversation('missing')).rejects.toMatchObject({ code: 'not-found' })
    client.dispose()
  }, 60_000)

  it('forwards engine events on ports that ask for them, and only those', async () => {
    const withEvents = connect(true)
    const withoutEvents = connect(false)
    const seen: string[] = []
    const unseen: unknown[] = []
    withEvents.on('settings-change', (settings) => seen.push(settings.ui.theme))
    withoutEvents.on('settings-change', (settings) => unseen.push(settings))
    const saved = await withoutEvents.updateSettings({ ui: { theme: 'dark' } })
    expect(saved.ui.theme).toBe('dark')
    await until(() => seen.length > 0)
    expect(seen).toContain('dark')
    expect(await withoutEvents.getSettings()).toMatchObject({ ui: { theme: 'dark' } })
    expect(unseen).toEqual([])
    withEvents.dispose()
    withoutEvents.dispose()
  })

  it('the editor command: refused through updateSettings and on a window port, saved only on main\'s port', async () => {
    const window = connect(false)
    const main = connect(false, true)
    await expect(window.updateSettings({ ui: { editorCommand: '/bin/sh' } })).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(window.call('setEditorCommand', ['/bin/sh'])).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('Unknown engine method') })
    expect((await window.getSettings()).ui.editorCommand).toBe('')
    expect((await main.call('setEditorCommand', ['  code -g {path}:{line} '])).ui.editorCommand).toBe('code -g {path}:{line}')
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).ui.editorCommand).toBe('code -g {path}:{line}')
    // Sending the current value back with another change is fine.
    const settings = await window.getSettings()
    expect((await window.updateSettings({ ui: { ...settings.ui, theme: 'light' } })).ui).toMatchObject({ theme: 'light', editorCommand: 'code -g {path}:{line}' })
    expect(await window.isIndexedNote('2023-W14.md')).toBe(true)
    expect(await window.isIndexedNote('nope.md')).toBe(false)
    window.dispose()
    main.dispose()
  })

  it('refuses malformed control calls with an error, and keeps serving', async () => {
    await expect(control.call('connect', ['no port', {}])).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('exactly one MessagePort') })
    await expect(control.call('open', [42 as never, null])).rejects.toMatchObject({ code: 'invalid-input' })
    await expect((control as unknown as { restart(): Promise<void> }).restart()).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('Unknown engine-process method') })
    const client = connect(false)
    expect((await client.getStatus()).folder).toBe(folder)
    client.dispose()
  })

  it('passes a new gateway token to the open engine', async () => {
    const set = vi.spyOn(opened!, 'setGatewayToken')
    await control.setGatewayToken('rotated-token')
    expect(set).toHaveBeenCalledWith('rotated-token')
    await expect(control.setGatewayToken(7 as never)).rejects.toMatchObject({ code: 'invalid-input' })
    expect(set).toHaveBeenCalledTimes(1)
    set.mockRestore()
  })

  it('shuts down: answers, disposes the engine and every port, then exits', async () => {
    const client = connect()
    await control.shutDown()
    expect(exitCode).toBeNull()
    await until(() => exitCode !== null)
    expect(exitCode).toBe(0)
    expect(replies.at(-1)).toMatchObject({ kind: 'response', ok: true })
    await expect(client.getStatus()).rejects.toMatchObject({ code: 'engine-unavailable' })
    // The exit closed main's side of the control channel.
    expect(control.closed).toBe(true)
  })
})

// The utilityProcess service over the real Engine facade (tiny generated embedding model, temp data dir):
// what engine-process.ts runs in the app, minus Electron's parentPort, which a small EventEmitter stands in for.
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EngineMethods, BrainEvents } from '../../../../shared/ipc'
import { Engine } from '../../../../electron/engine/engine'
import { serveEngineOverParentPort } from '../../../../electron/engine/rpc/engine-service'
import type { EngineProcessMessage, MainOnlyEngineMethods } from '../../../../shared/rpc/engine-process-protocol'
import { createRpcClient } from '../../../../shared/rpc/rpc-client'
import { fromNodeMessagePort } from '../../../../shared/rpc/port-adapters'
import { FakeMessagePortMain } from '../../../support/electron-mock'
import { makeTempDir } from '../../../support/temp-dir'
import { tinyModelOverrides } from '../../../support/engine-fixture'

const temp = makeTempDir('notes-rag-engine-service-')
const folder = path.join(temp.dir, 'notes')
const dataDir = path.join(temp.dir, 'data')
const replies: EngineProcessMessage[] = []
const parentPort = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void }
parentPort.postMessage = (message) => replies.push(message as EngineProcessMessage)
let exitCode: number | null = null
let opened: Engine | null = null

function connect(events = true, main = false) {
  const channel = new MessageChannel()
  parentPort.emit('message', { data: { type: 'connect', name: 'test', events, main }, ports: [new FakeMessagePortMain(channel.port1)] })
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
    parentPort.emit('message', { data: { type: 'open', dataDir, gatewayToken: null }, ports: [] })
    const status = client.getStatus()
    await until(() => replies.some((reply) => reply.type === 'ready'))
    expect((await status).folder).toBe(folder)

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

  it('disposes the engine and exits on dispose', async () => {
    const client = connect()
    parentPort.emit('message', { data: { type: 'dispose' }, ports: [] })
    await until(() => exitCode !== null)
    expect(exitCode).toBe(0)
    expect(replies.at(-1)).toEqual({ type: 'disposed' })
    await expect(client.getStatus()).rejects.toMatchObject({ code: 'engine-unavailable' })
  })
})

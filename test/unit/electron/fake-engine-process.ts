// Runs the real engine-process service (serveEngineOverParentPort) in-process for every utilityProcess the
// electron mock forks: main's posts reach it as parentPort messages with their ports, its posts come back as the
// child's messages; over a fake engine with the facade's shape. Shared by the main-process tests.
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { BrainError } from '../../../shared/errors'
import type { CallEventListener } from '../../../shared/ipc'
import { Emitter, type Disposable } from '../../../shared/lifecycle'
import { serveEngineOverParentPort, type ServableEngine } from '../../../electron/engine/rpc/engine-service'
import { electronMock, type FakeMessagePortMain, type FakeUtilityProcess } from '../../support/electron-mock'

export interface EngineBehaviour {
  failOpen?: string
  hangOnDispose?: boolean
  /** The paths `isIndexedNote` says are in the index. */
  indexedNotes?: string[]
  /** Answers for methods not built in, by name. */
  methods?: Record<string, (args: unknown[], engine: FakeEngine) => unknown>
}

/** An engine stand-in: a few methods, events, a token, dispose; it records every call. */
export class FakeEngine implements ServableEngine {
  readonly events = new Map<string, Emitter<unknown>>()
  readonly calls: Array<{ method: string; args: unknown[] }> = []
  token: string | null
  disposed = false
  paused = false

  constructor(readonly options: { dataDir: string; gatewayToken: string | null }, private readonly behaviour: EngineBehaviour) {
    this.token = options.gatewayToken
  }

  snapshot() {
    return {
      phase: this.paused ? { type: 'paused', reason: 'user' } : { type: 'ready' },
      folder: '/notes',
      folderState: 'ok',
      files: 3,
      chunks: 12,
      vectors: 12,
      lastIndexedAt: null,
      embedding: { type: 'ready', modelId: 'tiny', dimensions: 8 },
      errors: [],
      dataDir: this.options.dataDir,
      token: this.token,
    }
  }

  async call(method: never, args: never, signal?: AbortSignal, onEvent?: CallEventListener): Promise<unknown> {
    const name = method as string
    const list = args as unknown[]
    this.calls.push({ method: name, args: list })
    const custom = this.behaviour.methods?.[name]
    if (custom) return custom(list, this)
    switch (name) {
      case 'getStatus':
        return this.snapshot()
      case 'pauseIndexing':
        this.paused = true
        return this.snapshot()
      case 'resumeIndexing':
        this.paused = false
        return this.snapshot()
      case 'search':
        return { query: list[0] }
      case 'getSettings': {
        // Like the real engine: settings.json of the data dir, parsed with the shared schema.
        const { settingsSchema } = await import('../../../shared/settings')
        const file = path.join(this.options.dataDir, 'settings.json')
        return settingsSchema.parse(fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {})
      }
      case 'isIndexedNote':
        return (this.behaviour.indexedNotes ?? []).includes(list[0] as string)
      case 'ask': {
        // Streams two deltas to the caller alone, as the real engine does, then answers.
        const { answerId } = list[0] as { answerId: string }
        onEvent?.('answer-delta', { answerId, text: 'Hel' })
        onEvent?.('answer-delta', { answerId, text: 'lo' })
        return { answerId, text: 'Hello' }
      }
      case 'reindex':
        return await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)))
      default:
        throw new BrainError('invalid-input', `unexpected ${name}`)
    }
  }

  on(event: never, listener: (payload: never) => void): Disposable {
    const name = event as string
    if (!this.events.has(name)) this.events.set(name, new Emitter())
    return this.events.get(name)!.event(listener as (payload: unknown) => void)
  }

  fire(event: string, payload: unknown): void {
    this.events.get(event)?.fire(payload)
  }

  setGatewayToken(token: string | null): void {
    this.token = token
  }

  /** Like the real engine: saved into settings.json, pushed as settings-change. */
  async setEditorCommand(command: string): Promise<unknown> {
    this.calls.push({ method: 'setEditorCommand', args: [command] })
    const { settingsSchema } = await import('../../../shared/settings')
    const file = path.join(this.options.dataDir, 'settings.json')
    const current = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {}
    const next = settingsSchema.parse({ ...current, ui: { ...current.ui, editorCommand: command } })
    fs.writeFileSync(file, JSON.stringify(next))
    this.fire('settings-change', next)
    return next
  }

  async dispose(): Promise<void> {
    if (this.behaviour.hangOnDispose) await new Promise(() => {})
    this.disposed = true
  }
}

/** Installs the fork hook; returns the live lists of engines and the behaviour to tweak per test. */
export function runEngineServiceInForks(behaviour: EngineBehaviour = {}): { engines: FakeEngine[]; behaviour: EngineBehaviour } {
  const engines: FakeEngine[] = []
  const routes = new Map<FakeUtilityProcess, EventEmitter>()
  electronMock.onUtilityMessage = (target, message, transfer: FakeMessagePortMain[]) => {
    const parentPort = routes.get(target)
    if (parentPort) queueMicrotask(() => parentPort.emit('message', { data: message, ports: transfer }))
  }
  electronMock.onFork = (child: FakeUtilityProcess) => {
    const parentPort = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void }
    parentPort.postMessage = (message) => queueMicrotask(() => child.reply(message))
    routes.set(child, parentPort)
    serveEngineOverParentPort(
      parentPort as never,
      async (options) => {
        if (behaviour.failOpen) throw new BrainError('data-dir-unwritable', behaviour.failOpen)
        const engine = new FakeEngine(options, behaviour)
        engines.push(engine)
        return engine
      },
      (code) => child.exit(code),
    )
  }
  return { engines, behaviour }
}

/** The control calls main made on a forked engine process (RPC requests on its channel), in order. */
export function controlCalls(child: FakeUtilityProcess): Array<{ method: string; args: unknown[]; transfer: FakeMessagePortMain[] }> {
  return child.posted
    .filter((post) => post.message?.kind === 'request')
    .map((post) => ({ method: post.message.method, args: post.message.args, transfer: post.transfer }))
}

export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for condition')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

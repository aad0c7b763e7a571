import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { BrainError, throwIfAborted } from '../../../../shared/errors'
import type { BrainEventName, BrainEvents, EngineMethodName } from '../../../../shared/ipc'
import { startWsBridge, type BridgeEngine, type WsBridge } from '../../../../electron/engine/bridge/ws-bridge-server'

/** A small in-test engine: echoes, fails, waits for abort, and fires events on demand. */
class StubEngine implements BridgeEngine {
  readonly listeners = new Map<string, Set<(payload: unknown) => void>>()
  readonly calls: Array<{ method: string; args: unknown[] }> = []
  abortedReason: unknown = null

  async call(method: EngineMethodName, args: unknown[], signal?: AbortSignal): Promise<unknown> {
    this.calls.push({ method, args })
    if (method === 'search') return { query: args[0], hits: [] }
    if (method === 'getConversation') throw new BrainError('not-found', `No conversation ${String(args[0])}`, { details: { id: args[0] } })
    if (method === 'ask') {
      return new Promise((resolve, reject) => {
        signal?.addEventListener('abort', () => {
          this.abortedReason = signal.reason
          try {
            throwIfAborted(signal)
          } catch (error) {
            reject(error)
          }
        })
        void resolve
      })
    }
    return null
  }

  on<E extends BrainEventName>(event: E, listener: (payload: BrainEvents[E]) => void) {
    const set = this.listeners.get(event) ?? new Set()
    this.listeners.set(event, set)
    set.add(listener as (payload: unknown) => void)
    return { dispose: () => void set.delete(listener as (payload: unknown) => void) }
  }

  fire<E extends BrainEventName>(event: E, payload: BrainEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload)
  }
}

function connect(url: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket; messages: unknown[]; next(predicate: (m: any) => boolean): Promise<any> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    const messages: unknown[] = []
    const waiters: Array<{ predicate: (m: any) => boolean; resolve(m: unknown): void }> = []
    socket.on('message', (data) => {
      const message = JSON.parse(String(data))
      messages.push(message)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(message)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(message)
        }
      }
    })
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        next: (predicate) => {
          const found = messages.find(predicate)
          if (found) return Promise.resolve(found)
          return new Promise((done) => waiters.push({ predicate, resolve: done }))
        },
      }),
    )
    socket.once('error', reject)
  })
}

describe('startWsBridge', () => {
  let engine: StubEngine
  let bridge: WsBridge
  let staticDir: string
  const opened: Array<{ path: string; line?: number }> = []

  beforeEach(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'bridge-static-'))
    await mkdir(join(staticDir, 'assets'))
    await writeFile(join(staticDir, 'chat.html'), '<!doctype html><title>chat</title>')
    await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(tmpdir(), 'bridge-secret.txt'), 'secret')
    engine = new StubEngine()
    opened.length = 0
    bridge = await startWsBridge({
      engine,
      host: '127.0.0.1',
      staticDir,
      shell: {
        openNote: async (path, line) => {
          opened.push({ path, line })
          return true
        },
      },
    })
  })

  afterEach(async () => {
    await bridge.close()
    await rm(staticDir, { recursive: true, force: true })
  })

  it('binds to 127.0.0.1 and refuses other hosts', async () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(bridge.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/brain$/)
    await expect(startWsBridge({ engine, shell: {}, host: '0.0.0.0' as '127.0.0.1' })).rejects.toMatchObject({ code: 'invalid-input' })
  })

  it('answers engine calls with results and typed errors', async () => {
    const client = await connect(bridge.wsUrl)
    client.socket.send(JSON.stringify({ id: 1, method: 'search', args: ['kafka', { limit: 3 }] }))
    client.socket.send(JSON.stringify({ id: 2, method: 'getConversation', args: ['c-9'] }))
    expect(await client.next((m) => m.id === 1)).toEqual({ id: 1, result: { query: 'kafka', hits: [] } })
    expect(await client.next((m) => m.id === 2)).toEqual({
      id: 2,
      error: { code: 'not-found', message: 'No conversation c-9', retryable: false, details: { id: 'c-9' } },
    })
    expect(engine.calls).toEqual([
      { method: 'search', args: ['kafka', { limit: 3 }] },
      { method: 'getConversation', args: ['c-9'] },
    ])
    client.socket.close()
  })

  it('rejects unknown methods and malformed frames without closing the socket', async () => {
    const client = await connect(bridge.wsUrl)
    client.socket.send(JSON.stringify({ id: 'a', method: 'constructor', args: [] }))
    client.socket.send('not json')
    client.socket.send(JSON.stringify({ id: 'b', method: 'search', args: 'x' }))
    client.socket.send(JSON.stringify({ id: 'c', method: 'search', args: ['still works'] }))
    expect((await client.next((m) => m.id === 'a')).error).toMatchObject({ code: 'invalid-input', message: 'Unknown method: constructor' })
    expect((await client.next((m) => m.id === 'b')).error).toMatchObject({ code: 'invalid-input' })
    expect((await client.next((m) => m.id === 'c')).result).toEqual({ query: 'still works', hits: [] })
    expect(engine.calls.map((call) => call.method)).toEqual(['search'])
    client.socket.close()
  })

  it('aborts a call on {cancel: id}', async () => {
    const client = await connect(bridge.wsUrl)
    client.socket.send(JSON.stringify({ id: 7, method: 'ask', args: [{ answerId: 'a1', question: 'q' }] }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    client.socket.send(JSON.stringify({ cancel: 7 }))
    const reply = await client.next((m) => m.id === 7)
    expect(reply.error).toMatchObject({ code: 'aborted', retryable: true })
    expect(engine.abortedReason).toBeInstanceOf(BrainError)
    client.socket.close()
  })

  it('aborts running calls and unsubscribes when the socket closes', async () => {
    const client = await connect(bridge.wsUrl)
    expect(engine.listeners.get('index-status')?.size).toBe(1)
    client.socket.send(JSON.stringify({ id: 1, method: 'ask', args: [{ answerId: 'a1', question: 'q' }] }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    client.socket.close()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(engine.abortedReason).toBeInstanceOf(BrainError)
    expect(engine.listeners.get('index-status')?.size).toBe(0)
  })

  it('pushes engine events, an initial engine-state, and broadcasts', async () => {
    const client = await connect(bridge.wsUrl)
    expect(await client.next((m) => m.event === 'engine-state')).toEqual({ event: 'engine-state', payload: { type: 'running' } })
    engine.fire('answer-delta', { answerId: 'a1', text: 'Hel' })
    expect(await client.next((m) => m.event === 'answer-delta')).toEqual({ event: 'answer-delta', payload: { answerId: 'a1', text: 'Hel' } })
    bridge.broadcast('chat-ask', { question: 'from outside' })
    expect((await client.next((m) => m.event === 'chat-ask')).payload).toEqual({ question: 'from outside' })
    client.socket.close()
  })

  it('serves shell methods with browser defaults: askInChat reaches every window', async () => {
    const chat = await connect(bridge.wsUrl)
    const quick = await connect(bridge.wsUrl)
    quick.socket.send(JSON.stringify({ id: 1, method: 'openNote', args: ['2023/2023-W14.md', 12] }))
    quick.socket.send(JSON.stringify({ id: 2, method: 'askInChat', args: ['what about kafka?'] }))
    quick.socket.send(JSON.stringify({ id: 3, method: 'pickFolder', args: [] }))
    expect((await quick.next((m) => m.id === 1)).result).toBe(true)
    expect((await quick.next((m) => m.id === 2)).result).toBe(true)
    expect((await quick.next((m) => m.id === 3)).error).toMatchObject({ code: 'not-found' })
    expect((await chat.next((m) => m.event === 'chat-ask')).payload).toEqual({ question: 'what about kafka?' })
    expect(opened).toEqual([{ path: '2023/2023-W14.md', line: 12 }])
    chat.socket.close()
    quick.socket.close()
  })

  it('refuses WebSocket connections from non-loopback pages', async () => {
    await expect(connect(bridge.wsUrl, { origin: 'https://evil.example' })).rejects.toThrow(/401/)
    const ok = await connect(bridge.wsUrl, { origin: 'http://localhost:5173' })
    ok.socket.close()
  })

  it('serves the built renderer and nothing outside it', async () => {
    const root = await fetch(bridge.url)
    expect(root.status).toBe(200)
    expect(root.headers.get('content-type')).toContain('text/html')
    expect(await root.text()).toContain('<title>chat</title>')
    const script = await fetch(new URL('assets/app.js', bridge.url))
    expect(script.headers.get('content-type')).toContain('text/javascript')
    expect((await fetch(new URL('missing.js', bridge.url))).status).toBe(404)
    expect((await fetch(new URL('/%2e%2e/bridge-secret.txt', bridge.url))).status).not.toBe(200)
    expect((await fetch(new URL('/..%2fbridge-secret.txt', bridge.url))).status).not.toBe(200)
  })
})

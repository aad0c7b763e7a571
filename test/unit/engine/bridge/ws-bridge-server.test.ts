import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { BrainError, throwIfAborted } from '../../../../shared/errors'
import type { CallEventListener, EngineEventName, EngineEvents, EngineMethodName } from '../../../../shared/ipc'
import { startWsBridge, type BridgeEngine, type WsBridge } from '../../../../electron/engine/bridge/ws-bridge-server'

/** A small in-test engine: echoes, fails, waits for abort, and fires events on demand. */
class StubEngine implements BridgeEngine {
  readonly listeners = new Map<string, Set<(payload: unknown) => void>>()
  readonly calls: Array<{ method: string; args: unknown[] }> = []
  abortedReason: unknown = null

  async call(method: EngineMethodName, args: unknown[], signal?: AbortSignal, onEvent?: CallEventListener): Promise<unknown> {
    this.calls.push({ method, args })
    if (method === 'search') return { query: args[0], hits: [] }
    if (method === 'ask' && (args[0] as { question: string }).question === 'stream') {
      onEvent?.('answer-delta', { answerId: 'a1', text: 'Hel' })
      return { answerId: 'a1', text: 'Hel' }
    }
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

  on<E extends EngineEventName>(event: E, listener: (payload: EngineEvents[E]) => void) {
    const set = this.listeners.get(event) ?? new Set()
    this.listeners.set(event, set)
    set.add(listener as (payload: unknown) => void)
    return { dispose: () => void set.delete(listener as (payload: unknown) => void) }
  }

  fire<E extends EngineEventName>(event: E, payload: EngineEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload)
  }
}

/** The bridge speaks the app's one RPC protocol as JSON: `{kind: 'request', id, method, args}` and so on. */
const request = (id: number, method: string, args: unknown) => JSON.stringify({ kind: 'request', id, method, args })
const isResponse = (id: number) => (m: any) => m.kind === 'response' && m.id === id
const isEvent = (event: string) => (m: any) => m.kind === 'event' && m.event === event

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
    client.socket.send(request(1, 'search', ['kafka', { limit: 3 }]))
    client.socket.send(request(2, 'getConversation', ['c-9']))
    expect(await client.next(isResponse(1))).toEqual({ kind: 'response', id: 1, ok: true, value: { query: 'kafka', hits: [] } })
    expect(await client.next(isResponse(2))).toEqual({
      kind: 'response',
      id: 2,
      ok: false,
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
    client.socket.send(request(1, 'constructor', []))
    client.socket.send('not json')
    client.socket.send(request(2, 'search', 'x'))
    client.socket.send(request(3, 'search', ['still works']))
    expect((await client.next(isResponse(1))).error).toMatchObject({ code: 'invalid-input', message: 'Unknown method: constructor' })
    expect((await client.next(isResponse(2))).error).toMatchObject({ code: 'invalid-input' })
    expect((await client.next(isResponse(3))).value).toEqual({ query: 'still works', hits: [] })
    expect(engine.calls.map((call) => call.method)).toEqual(['search'])
    client.socket.close()
  })

  it("aborts a call on {kind: 'cancel', id}", async () => {
    const client = await connect(bridge.wsUrl)
    client.socket.send(request(7, 'ask', [{ answerId: 'a1', question: 'q' }]))
    await new Promise((resolve) => setTimeout(resolve, 50))
    client.socket.send(JSON.stringify({ kind: 'cancel', id: 7 }))
    const reply = await client.next(isResponse(7))
    expect(reply.error).toMatchObject({ code: 'aborted', retryable: true })
    expect(engine.abortedReason).toBeInstanceOf(BrainError)
    client.socket.close()
  })

  it('aborts running calls and unsubscribes when the socket closes', async () => {
    const client = await connect(bridge.wsUrl)
    expect(engine.listeners.get('index-status')?.size).toBe(1)
    client.socket.send(request(1, 'ask', [{ answerId: 'a1', question: 'q' }]))
    await new Promise((resolve) => setTimeout(resolve, 50))
    client.socket.close()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(engine.abortedReason).toBeInstanceOf(BrainError)
    expect(engine.listeners.get('index-status')?.size).toBe(0)
  })

  it('pushes engine events, an initial engine-state, and broadcasts', async () => {
    const client = await connect(bridge.wsUrl)
    expect(await client.next(isEvent('engine-state'))).toEqual({ kind: 'event', event: 'engine-state', payload: { type: 'running' } })
    engine.fire('gateway-status', { type: 'probing' } as EngineEvents['gateway-status'])
    expect(await client.next(isEvent('gateway-status'))).toEqual({ kind: 'event', event: 'gateway-status', payload: { type: 'probing' } })
    bridge.broadcast('chat-ask', { question: 'from outside' })
    expect((await client.next(isEvent('chat-ask'))).payload).toEqual({ question: 'from outside' })
    client.socket.close()
  })

  it("streams a call's deltas to the socket that called, tagged with the call's id, and to no other", async () => {
    const caller = await connect(bridge.wsUrl)
    const other = await connect(bridge.wsUrl)
    caller.socket.send(request(5, 'ask', [{ answerId: 'a1', question: 'stream' }]))
    expect(await caller.next(isEvent('answer-delta'))).toEqual({ kind: 'event', event: 'answer-delta', payload: { answerId: 'a1', text: 'Hel' }, id: 5 })
    expect((await caller.next(isResponse(5))).value).toEqual({ answerId: 'a1', text: 'Hel' })
    other.socket.send(request(1, 'search', ['round trip']))
    await other.next(isResponse(1))
    expect(other.messages.filter(isEvent('answer-delta'))).toEqual([])
    caller.socket.close()
    other.socket.close()
  })

  it('serves shell methods with browser defaults: askInChat reaches every window', async () => {
    const chat = await connect(bridge.wsUrl)
    const quick = await connect(bridge.wsUrl)
    quick.socket.send(request(1, 'openNote', ['2023/2023-W14.md', 12]))
    quick.socket.send(request(2, 'askInChat', ['what about kafka?']))
    quick.socket.send(request(3, 'pickFolder', []))
    expect((await quick.next(isResponse(1))).value).toBe(true)
    expect((await quick.next(isResponse(2))).value).toBe(true)
    expect((await quick.next(isResponse(3))).error).toMatchObject({ code: 'not-found' })
    expect((await chat.next(isEvent('chat-ask'))).payload).toEqual({ question: 'what about kafka?' })
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

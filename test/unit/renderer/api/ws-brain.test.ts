import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { BrainError } from '../../../../shared/errors'
import type { BrainEvents, CallEventListener, EngineEventName, EngineEvents, EngineMethodName } from '../../../../shared/ipc'
import { startWsBridge, type BridgeEngine, type WsBridge } from '../../../../electron/engine/bridge/ws-bridge-server'
import { bridgeUrl, } from '../../../../renderer/api/get-brain'
import { createWsBrain, type WebSocketFactory, type WsBrain } from '../../../../renderer/api/ws-brain'

/** Stub engine for the protocol only: echoes its arguments and fires events on demand. */
function stubEngine() {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const engine: BridgeEngine & { fire<E extends EngineEventName>(event: E, payload: EngineEvents[E]): void; aborted: unknown[] } = {
    aborted: [],
    async call(method: EngineMethodName, args: unknown[], signal?: AbortSignal, onEvent?: CallEventListener) {
      if (method === 'renameConversation') return { id: args[0], title: args[1], createdAt: 'c', updatedAt: 'u' }
      if (method === 'deleteConversation') throw new BrainError('not-found', 'gone')
      if (method === 'ask') {
        const { answerId, question } = args[0] as { answerId: string; question: string }
        if (question === 'never answered') return new Promise(() => {})
        onEvent?.('answer-delta', { answerId, text: 'one' })
        onEvent?.('answer-reasoning-delta', { answerId, text: 'hmm' })
        if (question !== 'stop me') return { answerId, text: 'one' }
        // Like the engine: a stopped answer resolves with its partial text.
        return await new Promise((resolve) => signal?.addEventListener('abort', () => {
          engine.aborted.push(signal.reason)
          resolve({ answerId, text: 'one', aborted: true })
        }, { once: true }))
      }
      return null
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(listener as (payload: unknown) => void)
      return { dispose: () => void set.delete(listener as (payload: unknown) => void) }
    },
    fire(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload)
    },
  }
  return engine
}

const NodeWebSocket = WebSocket as unknown as WebSocketFactory

describe('createWsBrain', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function setup(): Promise<{ bridge: WsBridge; brain: WsBrain; engine: ReturnType<typeof stubEngine> }> {
    const engine = stubEngine()
    const bridge = await startWsBridge({ engine, host: '127.0.0.1', shell: { pickFolder: async () => '/notes' } })
    cleanups.push(() => bridge.close())
    const brain = createWsBrain(bridge.wsUrl, { WebSocket: NodeWebSocket, reconnectDelayMs: 20 })
    cleanups.push(() => brain.close())
    return { bridge, brain, engine }
  }

  it('calls engine and shell methods, queuing calls made before the socket opens', async () => {
    const { brain } = await setup()
    // Called synchronously after creation: the socket is still connecting.
    const renamed = brain.renameConversation('c1', 'Kafka notes')
    const folder = brain.pickFolder()
    expect(await renamed).toEqual({ id: 'c1', title: 'Kafka notes', createdAt: 'c', updatedAt: 'u' })
    expect(await folder).toBe('/notes')
  })

  it('rejects with a BrainError carrying the code', async () => {
    const { brain } = await setup()
    const error = await brain.deleteConversation('c1').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BrainError)
    expect(error).toMatchObject({ code: 'not-found', message: 'gone' })
  })

  it('delivers events to subscribers until they unsubscribe', async () => {
    const { brain, engine } = await setup()
    const folders: Array<string | null> = []
    const off = brain.on('index-status', (snapshot) => folders.push(snapshot.folder))
    await brain.rendererReady()
    engine.fire('index-status', { folder: '/one' } as EngineEvents['index-status'])
    await brain.rendererReady()
    off()
    engine.fire('index-status', { folder: '/two' } as EngineEvents['index-status'])
    await brain.rendererReady()
    expect(folders).toEqual(['/one'])
  })

  it("streams an ask's deltas to this client's listeners, and stops it with the AbortSignal passed after the arguments", async () => {
    const { brain, engine } = await setup()
    const deltas: string[] = []
    brain.on('answer-delta', (delta) => deltas.push(delta.text))
    brain.on('answer-reasoning-delta', (delta) => deltas.push(`reasoning: ${delta.text}`))
    expect(await brain.ask({ answerId: 'a1', question: 'q' })).toEqual({ answerId: 'a1', text: 'one' })
    expect(deltas).toEqual(['one', 'reasoning: hmm'])

    const controller = new AbortController()
    const stopped = brain.ask({ answerId: 'a2', question: 'stop me' }, controller.signal)
    await new Promise((resolve) => setTimeout(resolve, 30))
    controller.abort()
    expect(await stopped).toEqual({ answerId: 'a2', text: 'one', aborted: true })
    expect(engine.aborted).toHaveLength(1)
    expect(engine.aborted[0]).toMatchObject({ code: 'aborted' })
  })

  it('reports a lost bridge as engine-state restarting and fails pending calls', async () => {
    const { bridge, brain } = await setup()
    const states: Array<BrainEvents['engine-state']> = []
    brain.on('engine-state', (state) => states.push(state))
    await brain.rendererReady()
    const inFlight = brain.ask({ answerId: 'a1', question: 'never answered' }).catch((caught: unknown) => caught)
    await new Promise((resolve) => setTimeout(resolve, 30))
    await bridge.close()
    expect(await inFlight).toMatchObject({ code: 'engine-unavailable', retryable: true })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(states[0]).toEqual({ type: 'running' })
    expect(states.find((state) => state.type === 'restarting')).toMatchObject({ type: 'restarting', attempt: 1, retryInMs: 20 })
  })
})

describe('bridgeUrl', () => {
  it.each([
    [{ search: '?bridge=ws://127.0.0.1:9999/brain', host: '127.0.0.1:5173', protocol: 'http:' }, undefined, 'ws://127.0.0.1:9999/brain'],
    [{ search: '', host: '127.0.0.1:5173', protocol: 'http:' }, 'ws://127.0.0.1:7000/brain', 'ws://127.0.0.1:7000/brain'],
    [{ search: '', host: '127.0.0.1:4100', protocol: 'http:' }, undefined, 'ws://127.0.0.1:4100/brain'],
  ])('%o with fallback %s -> %s', (location, fallback, expected) => {
    expect(bridgeUrl(location, fallback)).toBe(expected)
  })
})

import { MessageChannel } from 'node:worker_threads'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { BrainError, toErrorData } from '../../../../shared/errors'
import { fromNodeMessagePort } from '../../../../shared/rpc/port-adapters'
import { createRpcServer } from '../../../../shared/rpc/rpc-server'
import { BRAIN_EVENT_NAMES, ENGINE_METHOD_NAMES, SHELL_METHOD_NAMES, ipcChannel, type BrainApi } from '../../../../shared/ipc'
import { electronMock } from '../../../support/electron-mock'

vi.mock('electron', async () => (await import('../../../support/electron-mock')).electronModule)

async function loadPreload(): Promise<BrainApi> {
  electronMock.reset()
  await import('../../../../electron/preload/index')
  expect([...electronMock.exposed.keys()]).toEqual(['brain'])
  return electronMock.exposed.get('brain') as BrainApi
}

describe('preload', () => {
  let brain: BrainApi
  beforeAll(async () => {
    brain = await loadPreload()
  })

  it('exposes exactly the engine and shell methods plus on, as window.brain', () => {
    expect(Object.keys(brain).sort()).toEqual([...ENGINE_METHOD_NAMES, ...SHELL_METHOD_NAMES, 'on'].sort())
    for (const value of Object.values(brain)) expect(typeof value).toBe('function')
  })

  it('invokes the method channel with the arguments and unwraps the result', async () => {
    electronMock.ipcRenderer.invoke = async (channel: string, ...args: unknown[]) => {
      electronMock.ipcRenderer.invocations.push({ channel, args })
      return { ok: true, value: { echoed: args } }
    }
    expect(await brain.search('march', { limit: 3 })).toEqual({ echoed: ['march', { limit: 3 }] })
    expect(await brain.openNote('2023-W14.md', 4)).toEqual({ echoed: ['2023-W14.md', 4] })
    expect(electronMock.ipcRenderer.invocations.map((call) => call.channel)).toEqual([ipcChannel.invoke('search'), ipcChannel.invoke('openNote')])
  })

  it('rejects with an Error that toErrorData turns back into the engine error (the contextBridge keeps only messages)', async () => {
    electronMock.ipcRenderer.invoke = async () => ({
      ok: false,
      error: { code: 'gateway-unauthorized', message: 'The gateway refused the token.', retryable: false, details: { status: 401 } },
    })
    const error = await brain.probeGateway().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(Error)
    // What survives the bridge is the message; rebuild from it as the renderer does.
    const crossed = new Error((error as Error).message)
    expect(toErrorData(crossed)).toEqual({ code: 'gateway-unauthorized', message: 'The gateway refused the token.', retryable: false, details: { status: 401 } })
    expect(toErrorData(new Error('brain-error:{not json'))).toMatchObject({ code: 'internal' })
    expect(toErrorData(new Error('brain-error:{"code":"made-up","message":"x","retryable":true}'))).toMatchObject({ code: 'internal' })
  })

  it('subscribes to events without leaking the IPC event object, and unsubscribes', () => {
    const seen: unknown[] = []
    const off = brain.on('index-status', (payload) => seen.push(payload))
    const channel = ipcChannel.event('index-status')
    electronMock.ipcRenderer.emit(channel, { phase: { type: 'ready' } })
    expect(seen).toEqual([{ phase: { type: 'ready' } }])
    off()
    expect(electronMock.ipcRenderer.listenerCount(channel)).toBe(0)
    electronMock.ipcRenderer.emit(channel, { phase: { type: 'scanning' } })
    expect(seen).toHaveLength(1)
    expect(() => brain.on('not-an-event' as never, () => {})).toThrow(/Unknown event/)
    for (const event of BRAIN_EVENT_NAMES) brain.on(event, () => {})()
  })

  it('sends engine calls over the engine port once main hands one over, and drops it when the engine stops', async () => {
    const relayed: string[] = []
    electronMock.ipcRenderer.invoke = async (channel: string) => {
      relayed.push(channel)
      return { ok: true, value: 'via main' }
    }
    const channel = new MessageChannel()
    const server = createRpcServer(fromNodeMessagePort(channel.port1), async (method, args) => {
      if (method === 'search') return { direct: args[0] }
      throw new BrainError('not-found', 'no such conversation')
    })
    electronMock.ipcRenderer.postMessage(ipcChannel.enginePort, null, [channel.port2])
    expect(await brain.search('direct please')).toEqual({ direct: 'direct please' })
    const error = await brain.getConversation('x').catch((caught: unknown) => caught)
    expect(toErrorData(error)).toMatchObject({ code: 'not-found', message: 'no such conversation' })
    // Shell methods always go through main.
    expect(await brain.hasGatewayToken()).toBe('via main')
    expect(relayed).toEqual([ipcChannel.invoke('hasGatewayToken')])

    electronMock.ipcRenderer.emit(ipcChannel.event('engine-state'), { type: 'restarting', attempt: 1, retryInMs: 500, lastExit: 'exit code 1' })
    expect(await brain.search('after crash')).toBe('via main')
    expect(relayed.at(-1)).toBe(ipcChannel.invoke('search'))
    server.dispose()
  })

  it("streams a call's deltas to on() listeners and cancels it through the AbortLink the page passes", async () => {
    const channel = new MessageChannel()
    let serverSignal: AbortSignal | null = null
    const server = createRpcServer(fromNodeMessagePort(channel.port1), async (method, args, signal, notify) => {
      if (method !== 'ask') throw new BrainError('invalid-input', `unexpected ${method}`)
      const { answerId } = args[0] as { answerId: string }
      serverSignal = signal
      notify('answer-delta', { answerId, text: 'Par' })
      // Like the engine: a stopped answer resolves with its partial text.
      return await new Promise((resolve) => signal.addEventListener('abort', () => resolve({ answerId, text: 'Par', aborted: true }), { once: true }))
    })
    electronMock.ipcRenderer.postMessage(ipcChannel.enginePort, null, [channel.port2])
    const deltas: unknown[] = []
    const off = brain.on('answer-delta', (delta) => deltas.push(delta))
    // What renderer/api/get-brain.ts passes for an AbortSignal: a function the preload hands its abort listener.
    let abort: (() => void) | null = null
    const preload = brain as unknown as { ask(request: unknown, link: (onAbort: () => void) => void): Promise<unknown> }
    const answer = preload.ask({ answerId: 'a1', question: 'q' }, (onAbort) => {
      abort = onAbort
    })
    await waitFor(() => deltas.length === 1 && abort !== null)
    expect(deltas).toEqual([{ answerId: 'a1', text: 'Par' }])
    abort!()
    expect(await answer).toEqual({ answerId: 'a1', text: 'Par', aborted: true })
    expect(serverSignal!.aborted).toBe(true)
    off()
    server.dispose()
    electronMock.ipcRenderer.emit(ipcChannel.event('engine-state'), { type: 'restarting', attempt: 1, retryInMs: 500, lastExit: 'exit code 1' })
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for condition')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

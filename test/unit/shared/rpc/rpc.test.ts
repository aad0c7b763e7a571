import { EventEmitter } from 'node:events'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { DisposableStore, toDisposable } from '../../../../shared/lifecycle'
import { fromElectronMessagePort, fromNodeMessagePort, fromParentPort, fromUtilityProcess, type ElectronMessagePortLike, type ParentPortLike, type UtilityProcessLike } from '../../../../shared/rpc/port-adapters'
import { createRpcClient } from '../../../../shared/rpc/rpc-client'
import { createRpcServer, RpcTransfer, type RpcHandler } from '../../../../shared/rpc/rpc-server'
import { isRpcMessage } from '../../../../shared/rpc/protocol'

interface Calculator {
  add(a: number, b: number): number
  echo(value: unknown): unknown
  slow(ms: number): string
  fail(what: string): never
}

let cleanup = new DisposableStore()
afterEach(async () => {
  await cleanup.dispose()
  cleanup = new DisposableStore()
})

function pair(handler: RpcHandler, events?: Parameters<typeof createRpcServer>[2]) {
  const channel = new MessageChannel()
  const server = createRpcServer(fromNodeMessagePort(channel.port1), handler, events)
  const client = createRpcClient<Calculator, { tick: number }>(fromNodeMessagePort(channel.port2))
  cleanup.add(toDisposable(() => {
    client.dispose()
    server.dispose()
  }))
  return { server, client, channel }
}

const slowHandler: RpcHandler = async (method, args, signal) => {
  if (method === 'add') return (args[0] as number) + (args[1] as number)
  if (method === 'echo') return args[0]
  if (method === 'fail') throw new BrainError('not-found', `missing ${String(args[0])}`, { retryable: true, details: { path: args[0] } })
  if (method === 'slow') {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('finished'), args[0] as number)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        reject(signal.reason)
      }, { once: true })
    })
  }
  throw new Error(`unknown ${method}`)
}

describe('rpc over worker_threads MessageChannel', () => {
  it('calls methods through the typed proxy and structured-clones values', async () => {
    const { client } = pair(slowHandler)
    expect(await client.add(2, 40)).toBe(42)
    const value = { when: new Date('2024-03-11T00:00:00Z'), list: [1, 'two', null], nested: { map: new Map([['k', 1]]) } }
    const echoed = await client.echo(value)
    expect(echoed).toEqual(value)
    expect(echoed).not.toBe(value)
  })

  it('runs concurrent calls and matches responses to their requests', async () => {
    const { client } = pair(slowHandler)
    const results = await Promise.all([client.slow(30), client.add(1, 1), client.call('add', [5, 5])])
    expect(results).toEqual(['finished', 2, 10])
  })

  it('rethrows server errors as BrainError with code, retryable and details', async () => {
    const { client } = pair(slowHandler)
    const error = await client.fail('2023-W14.md').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(BrainError)
    expect(error).toMatchObject({ code: 'not-found', message: 'missing 2023-W14.md', retryable: true, details: { path: '2023-W14.md' } })
  })

  it('turns plain errors into internal BrainErrors', async () => {
    const { client } = pair(slowHandler)
    await expect(client.call('nope' as never, [] as never)).rejects.toMatchObject({ code: 'internal', message: 'unknown nope' })
  })

  it("aborting a call sends cancel, which aborts the server-side signal; the server's answer settles the call", async () => {
    let serverSignal: AbortSignal | null = null
    const { client, server } = pair(async (_method, _args, signal) => {
      serverSignal = signal
      // Like a stopped answer: the handler answers with what it has.
      return await new Promise((resolve) => signal.addEventListener('abort', () => resolve('partial'), { once: true }))
    })
    const controller = new AbortController()
    const call = client.call('slow', [10_000], { signal: controller.signal })
    await waitFor(() => server.pending === 1)
    controller.abort()
    await expect(call).resolves.toBe('partial')
    expect(serverSignal!.aborted).toBe(true)
    expect(serverSignal!.reason).toMatchObject({ code: 'aborted' })
    await waitFor(() => server.pending === 0)
  })

  it('rejects a cancelled call with aborted when the handler gives up on the signal', async () => {
    const { client, server } = pair(slowHandler)
    const controller = new AbortController()
    const call = client.call('slow', [10_000], { signal: controller.signal })
    await waitFor(() => server.pending === 1)
    controller.abort()
    await expect(call).rejects.toMatchObject({ code: 'aborted', retryable: true })
    await waitFor(() => server.pending === 0)
  })

  it("streams a call's own events to that call's listener only, never to on() subscribers", async () => {
    const { client } = pair(async (method, args, _signal, notify) => {
      for (let n = 1; n <= (args[0] as number); n++) notify('tick', n)
      return method
    })
    const broadcast: number[] = []
    client.on('tick', (n) => broadcast.push(n))
    const first: unknown[] = []
    const second: unknown[] = []
    const results = await Promise.all([
      client.call('slow', [3], { onEvent: (event, payload) => first.push([event, payload]) }),
      client.call('add', [1, 0], { onEvent: (event, payload) => second.push([event, payload]) }),
    ])
    expect(results).toEqual(['slow', 'add'])
    expect(first).toEqual([['tick', 1], ['tick', 2], ['tick', 3]])
    expect(second).toEqual([['tick', 1]])
    expect(broadcast).toEqual([])
  })

  it('answers a request it cannot serve (no method, args not an array) instead of leaving it pending', async () => {
    const { channel } = pair(slowHandler)
    const replies: unknown[] = []
    channel.port2.on('message', (message) => replies.push(message))
    channel.port2.postMessage({ kind: 'request', id: 41, method: 'add', args: 'not a list' })
    channel.port2.postMessage({ kind: 'request', id: 42, args: [] })
    await waitFor(() => replies.length === 2)
    expect(replies).toEqual([
      { kind: 'response', id: 41, ok: false, error: expect.objectContaining({ code: 'invalid-input' }) },
      { kind: 'response', id: 42, ok: false, error: expect.objectContaining({ code: 'invalid-input' }) },
    ])
  })

  it('rejects at once with a signal that is already aborted, without sending', async () => {
    let calls = 0
    const { client } = pair(async () => ++calls)
    await expect(client.call('add', [1, 2], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' })
    expect(await client.add(1, 2)).toBe(1)
  })

  it('forwards events from the source and from emit, and stops after unsubscribe', async () => {
    let forward: ((event: string, payload: unknown) => void) | null = null
    const { client, server } = pair(slowHandler, (f) => {
      forward = f
      return toDisposable(() => {
        forward = null
      })
    })
    const seen: number[] = []
    const subscription = client.on('tick', (n) => seen.push(n))
    forward!('tick', 1)
    server.emit('tick', 2)
    await waitFor(() => seen.length === 2)
    subscription.dispose()
    server.emit('tick', 3)
    expect(await client.add(0, 0)).toBe(0) // a round trip: the event, if delivered, came before
    expect(seen).toEqual([1, 2])
  })

  it('rejects pending calls with engine-unavailable when the server side closes', async () => {
    const { client, server } = pair(slowHandler)
    const call = client.slow(10_000)
    await waitFor(() => server.pending === 1)
    server.dispose()
    await expect(call).rejects.toMatchObject({ code: 'engine-unavailable', retryable: true })
    expect(client.closed).toBe(true)
    await expect(client.add(1, 2)).rejects.toMatchObject({ code: 'engine-unavailable' })
  })

  it('aborts running handlers when the client goes away', async () => {
    let serverSignal: AbortSignal | null = null
    const { client, server } = pair(async (_m, _a, signal) => {
      serverSignal = signal
      return await new Promise(() => {})
    })
    const call = client.call('slow', [1])
    await waitFor(() => server.pending === 1)
    client.dispose()
    await expect(call).rejects.toMatchObject({ code: 'engine-unavailable' })
    await waitFor(() => serverSignal?.aborted === true)
  })

  it('reports a result that cannot be cloned as an error instead of hanging', async () => {
    const { client } = pair(async () => ({ callback: () => 1 }))
    await expect(client.add(1, 1)).rejects.toMatchObject({ code: 'internal' })
  })

  it('moves the buffers a handler lists with its result instead of copying them', async () => {
    const sent = new Float32Array([0.25, 0.5, 1])
    const { client } = pair(async () => new RpcTransfer({ vectors: sent, count: 3 }, [sent.buffer]))
    const received = (await client.echo(null)) as { vectors: Float32Array; count: number }
    expect(Array.from(received.vectors)).toEqual([0.25, 0.5, 1])
    expect(received.count).toBe(3)
    // Detached on the sending side: moved, not copied.
    expect(sent.buffer.byteLength).toBe(0)
  })

  it('ignores foreign messages on the port', async () => {
    const { client, channel } = pair(slowHandler)
    channel.port2.postMessage({ hello: 'world' })
    channel.port2.postMessage('text')
    expect(await client.add(3, 4)).toBe(7)
    expect(isRpcMessage({ kind: 'request', id: 1, method: 'x', args: 'no' })).toBe(false)
    expect(isRpcMessage({ kind: 'event', event: 'x', payload: 1 })).toBe(true)
  })

  it('is not a thenable, so it can be returned from async functions', async () => {
    const { client } = pair(slowHandler)
    const resolved = await (async () => client)()
    expect(await resolved.add(1, 1)).toBe(2)
  })
})

describe('rpc over an Electron-shaped MessagePortMain', () => {
  /** Wraps a Node port the way Electron delivers messages: `{data, ports}` events, queued until start(). */
  function electronShaped(port: MessagePort | import('node:worker_threads').MessagePort): ElectronMessagePortLike & { started: boolean } {
    const nodePort = port as import('node:worker_threads').MessagePort
    const wrappers = new Map<unknown, (value: unknown) => void>()
    const shaped = {
      started: false,
      postMessage: (message: unknown) => nodePort.postMessage(message),
      on(event: 'message' | 'close', listener: (...args: never[]) => void) {
        if (event === 'close') nodePort.on('close', listener as () => void)
        else {
          const wrapped = (data: unknown) => (listener as (e: unknown) => void)({ data, ports: [] })
          wrappers.set(listener, wrapped)
          nodePort.on('message', wrapped)
        }
        return shaped
      },
      off(event: 'message' | 'close', listener: (...args: never[]) => void) {
        if (event === 'close') nodePort.off('close', listener as () => void)
        else nodePort.off('message', wrappers.get(listener)!)
        return shaped
      },
      start() {
        shaped.started = true
      },
      close: () => nodePort.close(),
    }
    return shaped
  }

  it('starts the port and round-trips calls', async () => {
    const channel = new MessageChannel()
    const serverPort = electronShaped(channel.port1)
    const server = createRpcServer(fromElectronMessagePort(serverPort), slowHandler)
    const client = createRpcClient<Calculator>(fromElectronMessagePort(electronShaped(channel.port2)))
    cleanup.add(toDisposable(() => {
      client.dispose()
      server.dispose()
    }))
    expect(serverPort.started).toBe(true)
    expect(await client.add(20, 22)).toBe(42)
    await expect(client.fail('x')).rejects.toMatchObject({ code: 'not-found' })
  })
})

describe('rpc over a utility process channel (main <-> parentPort)', () => {
  /** The two ends as Electron shapes them: the child takes ports with a message, the parentPort delivers `{data, ports}`. */
  function processChannel() {
    const parentPort = new EventEmitter() as EventEmitter & { postMessage(message: unknown): void }
    const child = new EventEmitter() as EventEmitter & { postMessage(message: unknown, transfer?: unknown[]): void }
    parentPort.postMessage = (message) => queueMicrotask(() => child.emit('message', structuredClone(message)))
    child.postMessage = (message, transfer = []) => queueMicrotask(() => parentPort.emit('message', { data: structuredClone(message), ports: transfer }))
    return { parentPort: parentPort as unknown as ParentPortLike<unknown>, child: Object.assign(child, { exit: (code: number) => child.emit('exit', code) }) }
  }

  it('hands the ports of a call to its handler, and the handler can serve RPC on them', async () => {
    const { parentPort, child } = processChannel()
    const served: string[] = []
    const inner: Array<{ dispose(): void }> = []
    const server = createRpcServer(fromParentPort(parentPort), async (method, args, _signal, _notify, ports) => {
      served.push(`${method}:${ports.length}`)
      for (const port of ports) inner.push(createRpcServer(fromNodeMessagePort(port as MessagePort), slowHandler))
      return args[0]
    })
    const control = createRpcClient<{ connect(name: string): string; ping(): string }>(fromUtilityProcess(child as unknown as UtilityProcessLike))
    const channel = new MessageChannel()
    cleanup.add(toDisposable(() => {
      control.dispose()
      server.dispose()
      for (const each of inner) each.dispose()
    }))
    expect(await control.call('connect', ['window-1'], { transfer: [channel.port1] })).toBe('window-1')
    expect(await control.call('ping', [])).toBeUndefined()
    expect(served).toEqual(['connect:1', 'ping:0'])
    const client = createRpcClient<Calculator>(fromNodeMessagePort(channel.port2))
    cleanup.add(client)
    expect(await client.add(2, 3)).toBe(5)
  })

  it("closes main's side when the process exits: pending calls fail, later calls are refused", async () => {
    const { parentPort, child } = processChannel()
    const server = createRpcServer(fromParentPort(parentPort), () => new Promise(() => {}))
    const control = createRpcClient<{ wait(): void }>(fromUtilityProcess(child as unknown as UtilityProcessLike))
    cleanup.add(toDisposable(() => server.dispose()))
    const closed: string[] = []
    control.onClose(() => closed.push('closed'))
    const pending = control.wait()
    await new Promise((resolve) => setTimeout(resolve, 5))
    child.exit(1)
    await expect(pending).rejects.toMatchObject({ code: 'engine-unavailable' })
    expect(closed).toEqual(['closed'])
    await expect(control.wait()).rejects.toMatchObject({ code: 'engine-unavailable' })
    expect(child.listenerCount('message') + child.listenerCount('exit')).toBe(0)
  })
})

describe('rpc with a real Worker running the server', () => {
  it('serves calls, events and cancellation from another thread, and fails pending calls when it exits', async () => {
    // Load the TypeScript fixture through tsx's loader, registered inside the worker thread itself.
    const fixture = new URL('./rpc-worker-fixture.ts', import.meta.url).href
    const worker = new Worker(
      `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(fixture)}) })`,
      { eval: true },
    )
    const failure = new Promise<never>((_, reject) => worker.once('error', reject))
    failure.catch(() => {})
    cleanup.add(toDisposable(async () => {
      await worker.terminate()
    }))
    interface WorkerMethods {
      add(a: number, b: number): number
      threadId(): number
      fail(what: string): never
      count(upTo: number): number
      waitForAbort(): string
    }
    const client = createRpcClient<WorkerMethods, { tick: number }>(fromNodeMessagePort(worker))
    expect(await Promise.race([client.add(1, 2), failure])).toBe(3)
    expect(await client.threadId()).toBe(worker.threadId)
    await expect(client.fail('week')).rejects.toMatchObject({ code: 'not-found', details: { what: 'week' } })

    const ticks: number[] = []
    client.on('tick', (n) => ticks.push(n))
    expect(await client.count(5)).toBe(5)
    expect(ticks).toEqual([1, 2, 3, 4, 5])

    const controller = new AbortController()
    const waiting = client.call('waitForAbort', [], { signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    // The worker's handler saw the cancel and answered.
    await expect(waiting).resolves.toBe('aborted on the worker')

    const orphan = client.call('waitForAbort', [])
    await worker.terminate()
    // A terminated worker is not a port close; the owner (like the engine host) disposes the client on exit.
    client.dispose()
    await expect(orphan).rejects.toMatchObject({ code: 'engine-unavailable' })
  }, 30_000)
})

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for condition')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { EngineState } from '../../../../shared/ipc'
import { electronMock } from '../../../support/electron-mock'
import { controlCalls, runEngineServiceInForks, waitFor, type EngineBehaviour, type FakeEngine } from '../fake-engine-process'

vi.mock('electron', async () => (await import('../../../support/electron-mock')).electronModule)

const { EngineHost } = await import('../../../../electron/main/engine-host/engine-host')

let engines: FakeEngine[] = []
let behaviour: EngineBehaviour = {}

beforeEach(() => {
  electronMock.reset()
  ;({ engines, behaviour } = runEngineServiceInForks())
})

const hosts: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.dispose()))
})

function createHost(overrides: Partial<ConstructorParameters<typeof EngineHost>[0]> = {}) {
  const host = new EngineHost({
    enginePath: '/app/out/main/engine-process.js',
    dataDir: '/data/notes-rag',
    getGatewayToken: () => 'secret-token',
    backoff: { initialMs: 20, maxMs: 50, maxAttempts: 3, stableMs: 60_000 },
    shutdownTimeoutMs: 200,
    ...overrides,
  })
  hosts.push(host)
  const states: EngineState[] = []
  host.onState((state) => states.push(state))
  return { host, states }
}

describe('EngineHost', () => {
  it('forks the engine, opens it with the data dir and token, and relays calls and events', async () => {
    const { host, states } = createHost()
    host.start()
    await waitFor(() => host.state.type === 'running')
    expect(states.map((state) => state.type)).toEqual(['starting', 'running'])

    const child = electronMock.forks[0]!
    expect(child.modulePath).toBe('/app/out/main/engine-process.js')
    expect(child.options).toMatchObject({ serviceName: 'notes-rag engine' })
    // The control channel speaks the one RPC: open, then main's own port handed over with connect.
    const [open, connect] = controlCalls(child)
    expect(open).toEqual({ method: 'open', args: ['/data/notes-rag', 'secret-token'], transfer: [] })
    expect(connect).toMatchObject({ method: 'connect', args: ['main', { main: true }] })
    expect(connect!.transfer).toHaveLength(1)
    expect(child.posted.every((post) => post.message.kind === 'request')).toBe(true)

    expect(await host.call('getStatus', [])).toMatchObject({ dataDir: '/data/notes-rag', token: 'secret-token' })
    expect(await host.call('search', ['march standup'])).toEqual({ query: 'march standup' })

    const snapshots: unknown[] = []
    host.on('index-status', (snapshot) => snapshots.push(snapshot))
    engines[0]!.fire('index-status', { phase: { type: 'scanning' } })
    await waitFor(() => snapshots.length === 1)
    expect(snapshots[0]).toEqual({ phase: { type: 'scanning' } })

    host.setGatewayToken('rotated')
    await waitFor(() => engines[0]!.token === 'rotated')
    expect(controlCalls(child).at(-1)).toMatchObject({ method: 'setGatewayToken', args: ['rotated'] })
  })

  it('cancels an engine call through its AbortSignal', async () => {
    const { host } = createHost()
    host.start()
    await waitFor(() => host.state.type === 'running')
    const controller = new AbortController()
    const call = host.call('reindex', [], controller.signal)
    controller.abort()
    await expect(call).rejects.toMatchObject({ code: 'aborted' })
  })

  it('restarts a crashed engine with exponential backoff, pushing engine-state, then gives up', async () => {
    const { host, states } = createHost()
    host.start()
    await waitFor(() => host.state.type === 'running')

    const pending = host.call('reindex', [])
    electronMock.forks[0]!.exit(139)
    await expect(pending).rejects.toMatchObject({ code: 'engine-unavailable' })
    expect(host.state).toEqual({ type: 'restarting', attempt: 1, retryInMs: 20, lastExit: 'exit code 139' })
    await expect(host.call('getStatus', [])).rejects.toMatchObject({ code: 'engine-unavailable', retryable: true })

    await waitFor(() => host.state.type === 'running')
    expect(electronMock.forks).toHaveLength(2)
    // The new process got a fresh open (with the current token) and a fresh port; events flow again.
    expect(controlCalls(electronMock.forks[1]!)[0]).toMatchObject({ method: 'open', args: ['/data/notes-rag', 'secret-token'] })
    expect(await host.call('search', ['again'])).toEqual({ query: 'again' })
    const seen: unknown[] = []
    host.on('gateway-status', (status) => seen.push(status))
    engines[1]!.fire('gateway-status', { type: 'probing' })
    await waitFor(() => seen.length === 1)

    // It keeps crashing before it counts as stable: the delay doubles, capped at maxMs, then the host gives up.
    electronMock.forks[1]!.exit(1)
    expect(host.state).toMatchObject({ type: 'restarting', attempt: 2, retryInMs: 40 })
    await waitFor(() => electronMock.forks.length === 3 && host.state.type === 'running')
    electronMock.forks[2]!.exit(1)
    expect(host.state).toMatchObject({ type: 'restarting', attempt: 3, retryInMs: 50 })
    await waitFor(() => electronMock.forks.length === 4 && host.state.type === 'running')
    electronMock.forks[3]!.exit(1)
    expect(host.state).toMatchObject({ type: 'failed' })
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(electronMock.forks).toHaveLength(4)
    await expect(host.call('getStatus', [])).rejects.toMatchObject({ code: 'engine-unavailable', retryable: false })

    expect(states.map((state) => state.type)).toEqual([
      'starting', 'running', 'restarting', 'running', 'restarting', 'running', 'restarting', 'running', 'failed',
    ])
  })

  it('counts a long healthy run as a fresh start', async () => {
    const { host } = createHost({ backoff: { initialMs: 20, maxMs: 50, maxAttempts: 3, stableMs: 0 } })
    host.start()
    await waitFor(() => host.state.type === 'running')
    for (let crash = 0; crash < 4; crash++) {
      const before = electronMock.forks.length
      electronMock.forks.at(-1)!.exit(1)
      expect(host.state).toMatchObject({ type: 'restarting', attempt: 1, retryInMs: 20 })
      await waitFor(() => electronMock.forks.length === before + 1 && host.state.type === 'running')
    }
  })

  it('restarts when the engine fails to open, reporting why', async () => {
    behaviour.failOpen = 'disk full'
    const { host } = createHost()
    host.start()
    await waitFor(() => host.state.type === 'restarting')
    expect(host.state).toMatchObject({ type: 'restarting', attempt: 1, lastExit: 'open failed: disk full' })
    expect(electronMock.forks[0]!.killed).toBe(true)
    behaviour.failOpen = undefined
    await waitFor(() => host.state.type === 'running')
  })

  it('shuts down cleanly: the engine is disposed, the process exits, nothing restarts', async () => {
    const { host } = createHost()
    host.start()
    await waitFor(() => host.state.type === 'running')
    await host.dispose()
    expect(engines[0]!.disposed).toBe(true)
    expect(controlCalls(electronMock.forks[0]!).at(-1)).toMatchObject({ method: 'shutDown', args: [] })
    expect(electronMock.forks[0]!.killed).toBe(false)
    expect(electronMock.forks[0]!.pid).toBeUndefined()
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(electronMock.forks).toHaveLength(1)
  })

  it('kills an engine that does not exit within the shutdown timeout', async () => {
    behaviour.hangOnDispose = true
    const { host } = createHost({ shutdownTimeoutMs: 50 })
    host.start()
    await waitFor(() => host.state.type === 'running')
    const started = Date.now()
    await host.dispose()
    expect(electronMock.forks[0]!.killed).toBe(true)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(electronMock.forks).toHaveLength(1)
  })
})

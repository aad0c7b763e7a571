import { MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron'
import { BrainError, errorMessage } from '../../../shared/errors'
import { ENGINE_EVENT_NAMES, type CallEventListener, type EngineEvents, type EngineMethodName, type EngineMethods, type EngineState } from '../../../shared/ipc'
import type { Disposable } from '../../../shared/lifecycle'
import { DisposableStore, Emitter, toDisposable } from '../../../shared/lifecycle'
import type { Settings } from '../../../shared/settings'
import type { EngineProcessMethods, MainOnlyEngineMethods } from '../../../shared/rpc/engine-process-methods'
import { fromElectronMessagePort, fromUtilityProcess, type ElectronMessagePortLike, type UtilityProcessLike } from '../../../shared/rpc/port-adapters'
import { createRpcClient, type RpcClient } from '../../../shared/rpc/rpc-client'
import { backoffDelay } from '../../../shared/backoff'
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './restart-policy'

export interface EngineHostOptions {
  /** The bundled engine entry (out/main/engine-process.js). */
  enginePath: string
  dataDir: string
  /** Read at every (re)start, so a token set while the engine was down is not lost. */
  getGatewayToken: () => string | null
  /** Extra environment for the engine process (the Electron-ABI SQLite driver, the bundled model folder). */
  env?: Record<string, string>
  backoff?: Partial<RestartPolicy>
  /** How long a clean shutdown may take before the process is killed. */
  shutdownTimeoutMs?: number
}

/**
 * Runs the engine in a utilityProcess and supervises it: restarts it with exponential backoff when it exits,
 * and gives main a client whose calls and events survive restarts.
 */
export class EngineHost implements Disposable {
  private readonly policy: RestartPolicy
  private readonly stateEmitter = new Emitter<EngineState>()
  private readonly eventEmitters = new Map<string, Emitter<unknown>>()
  private child: UtilityProcess | null = null
  /** The control channel of the current process (`EngineProcessMethods`). */
  private control: RpcClient<EngineProcessMethods> | null = null
  /** Main's own engine port of the current process. */
  private client: RpcClient<EngineMethods & MainOnlyEngineMethods, EngineEvents> | null = null
  private generationStore: DisposableStore | null = null
  private current: EngineState = { type: 'starting' }
  private attempt = 0
  private readyAt: number | null = null
  private lastFailure: string | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private stopping: Promise<void> | null = null

  constructor(private readonly options: EngineHostOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.backoff }
  }

  get state(): EngineState {
    return this.current
  }

  /** Every state change, for `engine-state` pushes. */
  readonly onState = this.stateEmitter.event

  start(): void {
    if (this.child || this.stopping) return
    this.spawn()
  }

  /**
   * Calls an engine method; rejects with `engine-unavailable` while the engine is down or restarting. `onEvent`
   * hears the call's own events (the deltas of an `ask` relayed for a window).
   */
  call<K extends EngineMethodName>(method: K, args: Parameters<EngineMethods[K]>, signal?: AbortSignal, onEvent?: CallEventListener): Promise<Awaited<ReturnType<EngineMethods[K]>>> {
    if (!this.client || this.client.closed) {
      return Promise.reject(new BrainError('engine-unavailable', this.unavailableMessage(), { retryable: this.current.type !== 'failed' }))
    }
    return this.client.call(method, args as never, { signal, onEvent: onEvent as ((event: string, payload: unknown) => void) | undefined }) as Promise<Awaited<ReturnType<EngineMethods[K]>>>
  }

  /** Engine events, across restarts. */
  on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): Disposable {
    return this.emitterFor(event).event(listener as (payload: unknown) => void)
  }

  /**
   * A new MessagePort straight to the engine (for a window), or null while the engine is not running.
   * The engine serves RPC on it until either side closes it or the process exits; by default it pushes no
   * events on it, since windows receive events through main's queue.
   */
  openPort(name: string, options: { events: boolean } = { events: false }): MessagePortMain | null {
    const control = this.control
    if (!this.child || !control || this.current.type !== 'running') return null
    const { port1, port2 } = new MessageChannelMain()
    // A refused port is closed by the engine, which the window's side sees as the engine going away.
    control.call('connect', [name, { events: options.events }], { transfer: [port1] }).catch((error: unknown) => console.warn(`[engine-host] the engine did not take port ${name}`, error))
    return port2
  }

  setGatewayToken(token: string | null): void {
    // While the engine is down nothing is lost: every (re)start reads the token again.
    this.control?.setGatewayToken(token).catch((error: unknown) => console.warn('[engine-host] could not pass the gateway token to the engine', error))
  }

  /** Saves `ui.editorCommand` over main's own port (windows' ports do not serve it); main confirms with the user first. */
  setEditorCommand(command: string): Promise<Settings> {
    if (!this.client || this.client.closed) {
      return Promise.reject(new BrainError('engine-unavailable', this.unavailableMessage(), { retryable: this.current.type !== 'failed' }))
    }
    return this.client.call('setEditorCommand', [command])
  }

  /** Asks the engine to dispose; kills it when it has not exited after `shutdownTimeoutMs`. */
  dispose(): Promise<void> {
    this.stopping ??= this.shutDown()
    return this.stopping
  }

  private async shutDown(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = null
    const child = this.child
    if (child) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      // The process exits once it has answered; the exit, not the answer, is what the host waits for.
      this.control?.shutDown().catch(() => {})
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs ?? 5_000)
      })
      const outcome = await Promise.race([exited.then(() => 'exited' as const), timedOut])
      clearTimeout(timer)
      if (outcome === 'timeout') {
        console.warn('[engine-host] engine did not exit in time; killing it')
        child.kill()
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1_000))])
      }
    }
    await this.generationStore?.dispose()
    this.stateEmitter.dispose()
    for (const emitter of this.eventEmitters.values()) emitter.dispose()
  }

  private spawn(): void {
    this.setState(this.attempt === 0 ? { type: 'starting' } : this.current)
    const store = new DisposableStore()
    this.generationStore = store
    const child = utilityProcess.fork(this.options.enginePath, [], {
      serviceName: 'notes-rag engine',
      stdio: 'inherit',
      ...(this.options.env ? { env: { ...process.env, ...this.options.env } } : {}),
    })
    this.child = child

    const onExit = (code: number): void => {
      if (this.child === child) this.child = null
      void store.dispose()
      if (this.stopping) return
      this.scheduleRestart(this.lastFailure ?? `exit code ${code}`)
    }
    child.once('exit', onExit)

    // Electron's UtilityProcess and MessagePortMain match the structural views; their overloads need the casts.
    const control = createRpcClient<EngineProcessMethods>(fromUtilityProcess(child as unknown as UtilityProcessLike<MessagePortMain>))
    this.control = control
    control.open(this.options.dataDir, this.options.getGatewayToken()).then(
      () => {
        if (this.child !== child) return
        this.readyAt = Date.now()
        this.lastFailure = null
        this.setState({ type: 'running' })
      },
      (error: unknown) => {
        // The process already exited (the restart reports that), or it answered why opening failed: restarting may
        // help (a locked file), the backoff bounds it.
        if (this.child !== child || control.closed) return
        this.lastFailure = `open failed: ${errorMessage(error)}`
        console.error('[engine-host] engine failed to open', error)
        child.kill()
      },
    )
    const { port1, port2 } = new MessageChannelMain()
    control.call('connect', ['main', { main: true }], { transfer: [port1] }).catch(() => {})
    const client = createRpcClient<EngineMethods & MainOnlyEngineMethods, EngineEvents>(fromElectronMessagePort(port2 as unknown as ElectronMessagePortLike))
    this.client = client
    for (const name of ENGINE_EVENT_NAMES) {
      store.add(client.on(name as keyof EngineEvents, (payload) => this.emitterFor(name).fire(payload)))
    }
    store.add(toDisposable(() => {
      client.dispose()
      control.dispose()
      if (this.client === client) this.client = null
      if (this.control === control) this.control = null
    }))
  }

  private scheduleRestart(lastExit: string): void {
    const ranFor = this.readyAt === null ? 0 : Date.now() - this.readyAt
    this.readyAt = null
    this.lastFailure = null
    if (ranFor >= this.policy.stableMs) this.attempt = 0
    this.attempt++
    if (this.attempt > this.policy.maxAttempts) {
      this.setState({ type: 'failed', message: `The engine stopped ${this.policy.maxAttempts} times in a row (last: ${lastExit}).` })
      return
    }
    // `attempt` counts from 1; the shared helper's attempts count from 0.
    const retryInMs = backoffDelay(this.attempt - 1, this.policy)
    console.warn(`[engine-host] engine exited (${lastExit}); restart ${this.attempt} in ${retryInMs} ms`)
    this.setState({ type: 'restarting', attempt: this.attempt, retryInMs, lastExit })
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      if (!this.stopping) this.spawn()
    }, retryInMs)
  }

  private setState(state: EngineState): void {
    if (JSON.stringify(state) === JSON.stringify(this.current) && state.type !== 'starting') return
    this.current = state
    this.stateEmitter.fire(state)
  }

  private emitterFor(event: string): Emitter<unknown> {
    let emitter = this.eventEmitters.get(event)
    if (!emitter) this.eventEmitters.set(event, (emitter = new Emitter<unknown>()))
    return emitter
  }

  private unavailableMessage(): string {
    switch (this.current.type) {
      case 'restarting':
        return `The engine is restarting (attempt ${this.current.attempt}).`
      case 'failed':
        return this.current.message
      default:
        return 'The engine is not running.'
    }
  }
}

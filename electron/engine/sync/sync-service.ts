import { BrainError, type ErrorData, isAbortError, toErrorData } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'
import type { SyncPhase, SyncReport, SyncStatus } from '../../../shared/sync'
import { MANIFEST_PAGE_DEFAULT, type ManifestEntry } from '../../../shared/sync-protocol'
import { checkGatewayUrl } from '../llm/gateway/gateway-url'
import type { Disposable } from '../../../shared/lifecycle'
import { SerialQueue } from '../async/serial-queue'
import type { MetaStore } from '../store/meta-store'
import type { SyncRepository } from '../store/sync-repository'
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy'
import { SyncClient } from './sync-client'
import { SyncPass } from './sync-pass'
import { newPassContext, type PassConfig, type PassContext, type PassEvents, type SyncVectors } from './sync-pass-context'
import { SyncScheduler } from './sync-scheduler'
import { embeddingDescriptor } from './sync-wire'

export type { SyncVectors } from './sync-pass-context'

/** What SyncService needs from the engine; the optional ones exist for tests and benchmarks. */
export interface SyncServiceDeps {
  meta: MetaStore
  /** The active model's vectors; null when no model is loaded (files are then sent as text only). */
  vectors: () => SyncVectors | null
  settings: () => Settings
  token: () => string | null
  onStatus: (status: SyncStatus) => void
  fetch?: typeof fetch
  retry?: Partial<RetryPolicy>
  random?: () => number
  /** Quiet time after indexing settles before a background pass (default 5 s). */
  debounceMs?: number
  /** After a background pass failed on a retryable error, the next try (default 5 min). */
  retryLaterMs?: number
  manifestPageSize?: number
}

/**
 * Push-only sync of the indexed notes to the homelab gateway (docs/gateway-sync.md). Runs inside the engine, one
 * pass at a time, never blocking local use; planned batches wait in a SQLite outbox so a retry after a crash reuses
 * the same batch id and bytes. This class owns the status and the order of passes; `SyncScheduler` decides when
 * background passes run, `SyncPass` what a pass does, `batch-sender` and `manifest-reader` how it talks to the server.
 */
export class SyncService implements Disposable {
  private readonly db: SyncRepository
  private readonly policy: RetryPolicy
  private readonly random: () => number
  private readonly fetchImpl: typeof fetch
  private readonly lifetime = new AbortController()
  private readonly passes = new SerialQueue()
  private readonly scheduler: SyncScheduler
  private readonly runner: SyncPass
  private readonly events: PassEvents
  private current: SyncStatus
  /** The token a 401 came back for: background passes stay stopped until the token changes. */
  private rejectedToken: string | null = null
  private disposed = false

  constructor(private readonly deps: SyncServiceDeps) {
    this.db = deps.meta.sync
    this.policy = { ...DEFAULT_RETRY_POLICY, ...deps.retry }
    this.random = deps.random ?? Math.random
    this.fetchImpl = deps.fetch ?? fetch
    this.runner = new SyncPass(deps.meta, deps.manifestPageSize ?? MANIFEST_PAGE_DEFAULT)
    this.events = {
      backingOff: (delayMs) => this.setStatus({ phase: { type: 'backing-off', retryAt: new Date(Date.now() + delayMs).toISOString() } }),
      progress: (sentFiles, totalFiles) => this.setStatus({ phase: { type: 'syncing', sentFiles, totalFiles }, pendingFiles: totalFiles - sentFiles }),
    }
    this.scheduler = new SyncScheduler({
      debounceMs: deps.debounceMs ?? 5_000,
      retryLaterMs: deps.retryLaterMs ?? 5 * 60_000,
      run: () => this.syncNow({ dryRun: false }, this.lifetime.signal).then(
        () => false,
        (error: unknown) => !this.disposed && !isAbortError(error) && BrainError.is(error) && error.retryable,
      ),
      onRetryPlanned: (retryAt) => this.setStatus({ phase: { type: 'backing-off', retryAt: retryAt.toISOString() } }),
    })
    this.current = { phase: { type: 'idle' }, lastSuccessAt: this.db.lastSuccessAt(), pendingFiles: 0, lastError: this.db.lastError() }
    this.current = { ...this.current, phase: this.restingPhase(), pendingFiles: this.countPending() }
  }

  status(): SyncStatus {
    return this.current
  }

  /** Re-reads settings and the index into the status (call after settings changed). */
  refreshStatus(): void {
    if (this.disposed) return
    const phase = this.current.phase.type === 'syncing' || this.current.phase.type === 'backing-off' ? this.current.phase : this.restingPhase()
    this.setStatus({ phase, pendingFiles: this.countPending() })
  }

  /**
   * One pass: makes the server equal the local index, or with `dryRun` lists what that would send without sending
   * (the manifest may be fetched; when it cannot be, the plan is compared with the last known server state).
   */
  syncNow(options: { dryRun?: boolean } = {}, signal?: AbortSignal): Promise<SyncReport> {
    if (this.disposed) return Promise.reject(new BrainError('engine-unavailable', 'Sync has been shut down.'))
    return this.passes.run(() => this.pass(options.dryRun === true, signal))
  }

  /** Debounced background pass; the engine calls it whenever indexing settles. */
  scheduleAfterIndexing(): void {
    if (this.disposed) return
    this.refreshStatus()
    if (this.current.phase.type === 'disabled') return
    if (this.current.phase.type === 'stopped') return
    this.scheduler.schedule()
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.scheduler.dispose()
    this.lifetime.abort()
    await this.passes.whenIdle()
  }

  // ---------------------------------------------------------------- passes

  private async pass(dryRun: boolean, callerSignal: AbortSignal | undefined): Promise<SyncReport> {
    const started = Date.now()
    if (dryRun) {
      const disabled = this.disabledPhase(this.deps.settings())
      if (disabled) return this.previewWhileDisabled(disabled, started, callerSignal)
    }
    const config = this.passConfig()
    const client = new SyncClient({ baseUrl: config.baseUrl, token: config.token, timeoutMs: config.settings.gateway.requestTimeoutMs, fetch: this.fetchImpl })
    const context = this.newContext(config, client, callerSignal, dryRun)
    this.db.dropOutboxExcept(config.baseUrl.href)
    try {
      if (dryRun) await this.runner.dryRun(context)
      else await this.runner.push(context)
    } catch (error) {
      this.recordFailure(error, config.token)
      throw error
    } finally {
      context.report.requests = client.requests
      context.report.bytesSent = client.bytesSent
      context.report.seconds = (Date.now() - started) / 1000
    }
    if (context.skipped.length > 0) context.report.skipped = context.skipped
    if (!dryRun) this.recordSuccess(context)
    return context.report
  }

  /**
   * A dry run while sync is off, local-only or not configured: nothing may be sent, and no connection is opened at
   * all (local-only promises none). The plan is compared with the last server state seen for the configured URL,
   * or with an empty server; the report says why sync is disabled so the caller can say how to turn it on.
   */
  private async previewWhileDisabled(disabled: Extract<SyncPhase, { type: 'disabled' }>, started: number, callerSignal: AbortSignal | undefined): Promise<SyncReport> {
    const settings = this.deps.settings()
    let baseUrl: URL | null = null
    try {
      if (settings.gateway.baseUrl) baseUrl = checkGatewayUrl(settings.gateway.baseUrl, settings.gateway.allowInsecureHttp)
    } catch {
      baseUrl = null
    }
    const offline: typeof fetch = () => Promise.reject(new BrainError('sync-disabled', 'A dry run while sync is disabled never connects.'))
    const config: PassConfig = { baseUrl: baseUrl ?? new URL('http://127.0.0.1/'), token: '', settings }
    const client = new SyncClient({ baseUrl: config.baseUrl, token: '', timeoutMs: settings.gateway.requestTimeoutMs, fetch: offline })
    const context = this.newContext(config, client, callerSignal, true)
    await this.runner.offlineDryRun(context, baseUrl)
    if (context.skipped.length > 0) context.report.skipped = context.skipped
    context.report.disabled = { reason: disabled.reason, message: disabledMessage(disabled.reason) }
    context.report.seconds = (Date.now() - started) / 1000
    return context.report
  }

  private newContext(config: PassConfig, client: SyncClient, callerSignal: AbortSignal | undefined, dryRun: boolean): PassContext {
    return newPassContext({
      config,
      client,
      repository: this.db,
      signal: callerSignal ? AbortSignal.any([callerSignal, this.lifetime.signal]) : this.lifetime.signal,
      vectors: this.deps.vectors(),
      policy: this.policy,
      random: this.random,
      events: this.events,
      dryRun,
    })
  }

  /** A push finished: remember when, and which files were too large to send (the pass's only lasting error). */
  private recordSuccess(context: PassContext): void {
    const tooLarge = context.skipped.filter((item) => item.reason === 'too-large').map((item) => item.path)
    const lastError: ErrorData | null =
      tooLarge.length > 0
        ? {
            code: 'gateway-payload-too-large',
            message: `${tooLarge.length} file(s) are larger than the gateway accepts in one request and were not sent.`,
            retryable: false,
            details: { paths: tooLarge },
          }
        : null
    const now = new Date().toISOString()
    this.db.setLastSuccessAt(now)
    this.db.setLastError(lastError)
    this.rejectedToken = null
    this.setStatus({ phase: { type: 'idle' }, lastSuccessAt: now, lastError, pendingFiles: this.countPending() })
  }

  /**
   * Files the server does not have as they are here (compared with the last known server state, no network). With
   * sync off nothing is pending and nothing shows it: the count reads every chunk's hash (about a second at 10,000
   * notes), and it ran at every engine start and after every index pass.
   */
  private countPending(): number {
    try {
      const settings = this.deps.settings()
      if (this.disabledPhase(settings)) return 0
      const vectors = this.deps.vectors()
      const embeddingKey = vectors ? embeddingDescriptor(vectors).key : null
      const info = this.db.remoteInfo()
      const baseUrl = settings.gateway.baseUrl
      const known = info !== null && baseUrl !== null && safeHref(baseUrl) === info.baseUrl
      const remote: ReadonlyMap<string, ManifestEntry> = known ? this.db.remoteFiles() : new Map()
      return this.runner.pendingCount(remote, settings.sync.exclude, embeddingKey)
    } catch {
      // A status figure must never break the engine (e.g. during shutdown).
      return this.current.pendingFiles
    }
  }

  // ---------------------------------------------------------------- status

  /** Settings that let a pass run, or the `sync-disabled` / URL error that stops it before any connection. */
  private passConfig(): PassConfig {
    const settings = this.deps.settings()
    const phase = this.disabledPhase(settings)
    if (phase) {
      this.setStatus({ phase })
      throw new BrainError('sync-disabled', disabledMessage(phase.reason), { details: { reason: phase.reason } })
    }
    let baseUrl: URL
    try {
      baseUrl = checkGatewayUrl(settings.gateway.baseUrl!, settings.gateway.allowInsecureHttp)
    } catch (error) {
      const data = toErrorData(error)
      this.db.setLastError(data)
      this.setStatus({ phase: { type: 'stopped', error: data }, lastError: data })
      throw error
    }
    return { baseUrl, token: this.deps.token()!, settings }
  }

  private disabledPhase(settings: Settings): Extract<SyncPhase, { type: 'disabled' }> | null {
    if (settings.routing.policy === 'local-only') return { type: 'disabled', reason: 'local-only' }
    if (!settings.sync.enabled) return { type: 'disabled', reason: 'off' }
    if (!settings.gateway.baseUrl || !this.deps.token()) return { type: 'disabled', reason: 'not-configured' }
    return null
  }

  /** The phase when no pass runs: disabled, stopped (insecure URL, or the token the gateway refused), or idle. */
  private restingPhase(): SyncPhase {
    const settings = this.deps.settings()
    const disabled = this.disabledPhase(settings)
    if (disabled) return disabled
    try {
      checkGatewayUrl(settings.gateway.baseUrl!, settings.gateway.allowInsecureHttp)
    } catch (error) {
      return { type: 'stopped', error: toErrorData(error) }
    }
    if (this.rejectedToken !== null && this.rejectedToken === this.deps.token() && this.current.lastError) {
      return { type: 'stopped', error: this.current.lastError }
    }
    return { type: 'idle' }
  }

  private recordFailure(error: unknown, token: string): void {
    if (isAbortError(error)) {
      this.setStatus({ phase: this.restingPhase() })
      return
    }
    const data = toErrorData(error)
    this.db.setLastError(data)
    if (data.code === 'gateway-unauthorized') {
      this.rejectedToken = token
      this.setStatus({ phase: { type: 'stopped', error: data }, lastError: data, pendingFiles: this.countPending() })
      return
    }
    this.setStatus({ phase: { type: 'idle' }, lastError: data, pendingFiles: this.countPending() })
  }

  private setStatus(patch: Partial<SyncStatus>): void {
    const next = { ...this.current, ...patch }
    if (JSON.stringify(next) === JSON.stringify(this.current)) return
    this.current = next
    if (this.disposed) return
    try {
      this.deps.onStatus(next)
    } catch (error) {
      console.error('[sync] status listener failed', error)
    }
  }
}

function safeHref(url: string): string | null {
  try {
    return new URL(url).href
  } catch {
    return null
  }
}

function disabledMessage(reason: Extract<SyncPhase, { type: 'disabled' }>['reason']): string {
  const why = { 'local-only': 'the routing policy is local-only', off: 'sync is turned off in settings', 'not-configured': 'no gateway URL or token is set' }[reason]
  return `Sync is disabled: ${why}.`
}

import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import picomatch from 'picomatch'
import { BrainError, isAbortError, toErrorData, type ErrorData } from '../../../shared/errors'
import { coarsePeriodSource } from '../../../shared/period'
import type { Settings } from '../../../shared/settings'
import type { SyncPhase, SyncReport, SyncStatus } from '../../../shared/sync'
import { MANIFEST_PAGE_DEFAULT, type BatchRequest, type EmbeddingDescriptor, type ManifestEntry, type MoveOperation, type SyncChunk, type UpsertOperation } from '../../../shared/sync-protocol'
import { checkGatewayUrl } from '../llm/gateway/gateway-url'
import type { Disposable } from '../../../shared/lifecycle'
import type { MetaStore } from '../store/meta-store'
import type { VectorStore } from '../store/vector-store'
import { RemovalGuardState } from '../indexer/removal-guard'
import { planSync, type LocalSyncFile, type SyncPlanDraft } from './plan-sync'
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry-policy'
import { SyncClient } from './sync-client'
import { SyncDatabase, type BatchSummary } from './sync-database'
import { BatchPacker, chunksSha256, embeddingDescriptor, encodeVector, makeBatch, packOperation, sha256Hex, type PackedBatch, type PackedOperation } from './sync-wire'

/** The active vector table and the model that filled it. */
export interface SyncVectors {
  store: VectorStore
  table: string
  modelId: string
  dimensions: number
  fingerprint: number[]
}

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

type SkipReason = NonNullable<SyncReport['skipped']>[number]['reason']
type Skipped = NonNullable<SyncReport['skipped']>

interface PassConfig {
  baseUrl: URL
  token: string
  settings: Settings
}

interface PassContext {
  config: PassConfig
  client: SyncClient
  signal: AbortSignal
  report: SyncReport
  skipped: Skipped
  embedding: EmbeddingDescriptor | null
  vectors: SyncVectors | null
  maxBatchBytes: number
  /** A move whose source no longer matched, or a reused batch id: the pass plans once more from a fresh manifest. */
  replan: boolean
  sentFiles: number
  totalFiles: number
}

/** Files read and vectors fetched together: one LanceDB query per group instead of one per file. */
const BUILD_GROUP = 64
/** A pass re-plans at most this often when moves conflict (someone else changed the server meanwhile). */
const MAX_ROUNDS = 3

/**
 * Push-only sync of the indexed notes to the homelab gateway (docs/gateway-sync.md). Runs inside the engine, one
 * pass at a time, never blocking local use; planned batches wait in a SQLite outbox so a retry after a crash reuses
 * the same batch id and bytes.
 */
export class SyncService implements Disposable {
  private readonly db: SyncDatabase
  private readonly policy: RetryPolicy
  private readonly random: () => number
  private readonly fetchImpl: typeof fetch
  private readonly lifetime = new AbortController()
  private current: SyncStatus
  private queue: Promise<unknown> = Promise.resolve()
  private debounceTimer: ReturnType<typeof setTimeout> | null = null
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  /** The token a 401 came back for: background passes stay stopped until the token changes. */
  private rejectedToken: string | null = null
  private disposed = false

  constructor(private readonly deps: SyncServiceDeps) {
    this.db = new SyncDatabase(deps.meta)
    this.policy = { ...DEFAULT_RETRY_POLICY, ...deps.retry }
    this.random = deps.random ?? Math.random
    this.fetchImpl = deps.fetch ?? fetch
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
    const run = this.queue.then(() => this.pass(options.dryRun === true, signal))
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Debounced background pass; the engine calls it whenever indexing settles. */
  scheduleAfterIndexing(): void {
    if (this.disposed) return
    this.refreshStatus()
    if (this.current.phase.type === 'disabled') return
    if (this.current.phase.type === 'stopped') return
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null
      this.runInBackground()
    }, this.deps.debounceMs ?? 5_000)
    this.debounceTimer.unref?.()
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.lifetime.abort()
    await this.queue
  }

  // ---------------------------------------------------------------- passes

  private runInBackground(): void {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer)
      this.retryTimer = null
    }
    this.syncNow({ dryRun: false }, this.lifetime.signal).catch((error: unknown) => {
      if (this.disposed || isAbortError(error) || !BrainError.is(error) || !error.retryable) return
      const delay = this.deps.retryLaterMs ?? 5 * 60_000
      this.setStatus({ phase: { type: 'backing-off', retryAt: new Date(Date.now() + delay).toISOString() } })
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null
        this.runInBackground()
      }, delay)
      this.retryTimer.unref?.()
    })
  }

  private async pass(dryRun: boolean, callerSignal: AbortSignal | undefined): Promise<SyncReport> {
    const started = Date.now()
    if (dryRun) {
      const disabled = this.disabledPhase(this.deps.settings())
      if (disabled) return this.previewWhileDisabled(disabled, started, callerSignal)
    }
    const config = this.passConfig()
    const signal = callerSignal ? AbortSignal.any([callerSignal, this.lifetime.signal]) : this.lifetime.signal
    const client = new SyncClient({ baseUrl: config.baseUrl, token: config.token, timeoutMs: config.settings.gateway.requestTimeoutMs, fetch: this.fetchImpl })
    const vectors = this.deps.vectors()
    const embedding = vectors ? embeddingDescriptor(vectors) : null
    const context: PassContext = {
      config,
      client,
      signal,
      report: { upserts: [], deletes: [], renames: [], excluded: [], dryRun, requests: 0, bytesSent: 0, seconds: 0 },
      skipped: [],
      embedding,
      vectors,
      maxBatchBytes: config.settings.sync.maxBatchBytes,
      replan: false,
      sentFiles: 0,
      totalFiles: 0,
    }
    this.db.dropOutboxExcept(config.baseUrl.href)
    try {
      if (dryRun) await this.dryRun(context)
      else await this.push(context)
    } catch (error) {
      this.recordFailure(error, config.token)
      throw error
    } finally {
      context.report.requests = client.requests
      context.report.bytesSent = client.bytesSent
      context.report.seconds = (Date.now() - started) / 1000
    }
    if (context.skipped.length > 0) context.report.skipped = context.skipped
    if (!dryRun) {
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
    const client = new SyncClient({ baseUrl: baseUrl ?? new URL('http://127.0.0.1/'), token: '', timeoutMs: settings.gateway.requestTimeoutMs, fetch: offline })
    const vectors = this.deps.vectors()
    const context: PassContext = {
      config: { baseUrl: baseUrl ?? new URL('http://127.0.0.1/'), token: '', settings },
      client,
      signal: callerSignal ? AbortSignal.any([callerSignal, this.lifetime.signal]) : this.lifetime.signal,
      report: { upserts: [], deletes: [], renames: [], excluded: [], dryRun: true, requests: 0, bytesSent: 0, seconds: 0 },
      skipped: [],
      embedding: vectors ? embeddingDescriptor(vectors) : null,
      vectors,
      maxBatchBytes: settings.sync.maxBatchBytes,
      replan: false,
      sentFiles: 0,
      totalFiles: 0,
    }
    const info = this.db.remoteInfo()
    const known = baseUrl !== null && info !== null && info.baseUrl === baseUrl.href
    const remote = known ? this.db.remoteFiles() : new Map<string, ManifestEntry>()
    if (known) {
      for (const batch of this.db.outbox(baseUrl!.href)) {
        appendSummary(context.report, batch.summary)
        applySummaryTo(remote, batch.summary)
      }
    }
    context.report.serverState = { source: known ? 'last-known' : 'none', fetchedAt: known ? info!.fetchedAt : null }
    await this.execute(this.plan(remote, context), context)
    if (context.skipped.length > 0) context.report.skipped = context.skipped
    context.report.disabled = { reason: disabled.reason, message: disabledMessage(disabled.reason) }
    context.report.seconds = (Date.now() - started) / 1000
    return context.report
  }

  private async push(context: PassContext): Promise<void> {
    const outbox = this.db.outbox(context.config.baseUrl.href)
    const remote = await this.fetchManifest(context)
    let plan = this.plan(remote, context)
    context.totalFiles = outbox.reduce((sum, batch) => sum + summaryFiles(batch.summary), 0) + planFiles(plan)
    this.setStatus({ phase: { type: 'syncing', sentFiles: 0, totalFiles: context.totalFiles }, pendingFiles: context.totalFiles })
    // Batches planned before an interruption go first, byte for byte: the server replays those it already applied.
    for (const batch of outbox) await this.send(context, { batchId: batch.batchId, body: batch.body, bytes: Buffer.byteLength(batch.body), operations: countOperations(batch.summary), summary: batch.summary }, true)
    if (outbox.length > 0) plan = this.plan(this.db.remoteFiles(), context)
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      if (round > 0) {
        if (!context.replan) break
        context.replan = false
        plan = this.plan(await this.fetchManifest(context), context)
        context.totalFiles += planFiles(plan)
      }
      await this.execute(plan, context)
    }
  }

  private async dryRun(context: PassContext): Promise<void> {
    let remote: Map<string, ManifestEntry>
    try {
      remote = await this.fetchManifest(context, 1)
      context.report.serverState = { source: 'server', fetchedAt: this.db.remoteInfo()?.fetchedAt ?? null }
    } catch (error) {
      if (!BrainError.is(error) || !error.retryable || error.code === 'aborted') throw error
      const info = this.db.remoteInfo()
      const known = info !== null && info.baseUrl === context.config.baseUrl.href
      remote = known ? this.db.remoteFiles() : new Map()
      context.report.serverState = { source: known ? 'last-known' : 'none', fetchedAt: known ? info.fetchedAt : null }
    }
    // Outbox batches would be resent first; the plan is then made as if they had arrived.
    for (const batch of this.db.outbox(context.config.baseUrl.href)) {
      appendSummary(context.report, batch.summary)
      applySummaryTo(remote, batch.summary)
    }
    await this.execute(this.plan(remote, context), context)
  }

  /** Builds and (unless dry-run) sends the plan's operations: deletes and moves first, then upserts. */
  private async execute(plan: SyncPlanDraft, context: PassContext): Promise<void> {
    context.report.excluded = plan.excluded
    const packer = new BatchPacker(context.embedding, context.maxBatchBytes, randomUUID)
    const emit = async (operation: PackedOperation, path: string) => {
      if (!packer.fitsAlone(operation)) {
        context.skipped.push({ path, reason: 'too-large' })
        return
      }
      const closed = packer.add(operation)
      if (closed) await this.deliver(context, closed)
    }
    const upserts = [...plan.upserts]
    const moves: MoveOperation[] = []
    const deletes = [...plan.deletes]
    for (const move of plan.moves) {
      const operation = this.moveOperation(move.from, move.to, move.file)
      if (operation) moves.push(operation)
      else {
        // The index changed under the plan: fall back to the plain way, a delete and an upload.
        deletes.push(move.from)
        upserts.push(move.file)
      }
    }
    for (const deleted of deletes) await emit(packOperation({ op: 'delete', path: deleted }), deleted)
    for (const move of moves) await emit(packOperation(move), move.to)
    for (let start = 0; start < upserts.length; start += BUILD_GROUP) {
      const group = upserts.slice(start, start + BUILD_GROUP)
      for (const built of await this.upsertOperations(group, context)) {
        if ('skip' in built) context.skipped.push({ path: built.path, reason: built.skip })
        else await emit(packOperation(built.operation), built.operation.path)
      }
    }
    const last = packer.take()
    if (last) await this.deliver(context, last)
  }

  private async deliver(context: PassContext, batch: PackedBatch): Promise<void> {
    if (context.report.dryRun) {
      appendSummary(context.report, batch.summary)
      return
    }
    await this.send(context, batch, false)
  }

  /** Sends one batch through the outbox: retried with backoff, split on 413, acknowledged with the cache update. */
  private async send(context: PassContext, batch: PackedBatch, fromOutbox: boolean): Promise<void> {
    if (!fromOutbox) this.db.addToOutbox({ batchId: batch.batchId, baseUrl: context.config.baseUrl.href, body: batch.body, summary: batch.summary })
    let response
    try {
      response = await withRetry(
        async () => {
          this.db.countAttempt(batch.batchId)
          return context.client.postBatch(batch.body, context.signal)
        },
        {
          policy: this.policy,
          random: this.random,
          signal: context.signal,
          onWait: (delayMs) => this.setStatus({ phase: { type: 'backing-off', retryAt: new Date(Date.now() + delayMs).toISOString() } }),
        },
      )
    } catch (error) {
      if (BrainError.is(error, 'gateway-payload-too-large')) {
        this.db.removeFromOutbox(batch.batchId)
        await this.split(context, batch)
        return
      }
      if (BrainError.is(error, 'sync-failed') && error.details?.serverCode === 'batch-id-reused') {
        // Cannot happen with this client's UUIDs; dropping the batch and planning again is always safe.
        this.db.removeFromOutbox(batch.batchId)
        context.replan = true
        return
      }
      throw error
    }
    this.db.transaction(() => {
      this.db.removeFromOutbox(batch.batchId)
      const info = this.db.remoteInfo()
      const remote = batch.summary.renames.length > 0 ? this.db.remoteFiles() : new Map<string, ManifestEntry>()
      const sentUpserts = new Map(batch.summary.upserts.map((item) => [item.path, item]))
      for (const result of response.results) {
        if (result.status === 'conflict') {
          context.replan = true
          if (result.from) this.db.deleteRemoteFile(result.from)
          this.db.deleteRemoteFile(result.path)
          continue
        }
        if (result.op === 'delete') this.db.deleteRemoteFile(result.path)
        else if (result.op === 'move' && result.from) {
          const entry = remote.get(result.from)
          this.db.deleteRemoteFile(result.from)
          if (entry) this.db.putRemoteFile({ ...entry, path: result.path })
        } else if (result.op === 'upsert') {
          const sent = sentUpserts.get(result.path)
          if (sent) {
            const kept = result.vectors === 'none' ? null : batch.summary.embeddingKey
            this.db.putRemoteFile({ path: sent.path, sha256: sent.sha256, chunkCount: sent.chunks, chunksSha256: sent.chunksSha256, embeddingKey: kept })
          }
        }
      }
      if (info && info.baseUrl === context.config.baseUrl.href) {
        // Only a batch applied right on top of the cached revision keeps the cache complete; otherwise re-list next time.
        const revision = !context.replan && info.revision === response.baseRevision ? response.revision : null
        this.db.setRemoteInfo({ ...info, revision })
      }
    })
    appendSummary(context.report, batch.summary)
    context.sentFiles += summaryFiles(batch.summary)
    const totalFiles = Math.max(context.totalFiles, context.sentFiles)
    this.setStatus({ phase: { type: 'syncing', sentFiles: context.sentFiles, totalFiles }, pendingFiles: totalFiles - context.sentFiles })
  }

  /** A 413: halves go separately; a single operation the gateway refuses is reported and skipped. */
  private async split(context: PassContext, batch: PackedBatch): Promise<void> {
    const request = JSON.parse(batch.body) as BatchRequest
    const operations = request.operations.map(packOperation)
    if (operations.length === 1) {
      const only = request.operations[0]
      context.skipped.push({ path: only.op === 'move' ? only.to : only.path, reason: 'too-large' })
      return
    }
    const middle = Math.ceil(operations.length / 2)
    await this.send(context, makeBatch(randomUUID(), request.embedding, operations.slice(0, middle)), false)
    await this.send(context, makeBatch(randomUUID(), request.embedding, operations.slice(middle)), false)
  }

  // ---------------------------------------------------------------- manifest

  /** The full server manifest (cached copy when the server answers 304), also stored as the last known state. */
  private async fetchManifest(context: PassContext, attempts?: number): Promise<Map<string, ManifestEntry>> {
    const baseUrl = context.config.baseUrl.href
    const policy = attempts ? { ...this.policy, maxAttempts: attempts } : this.policy
    const retry = <T>(run: () => Promise<T>) =>
      withRetry(run, {
        policy,
        random: this.random,
        signal: context.signal,
        onWait: (delayMs) => this.setStatus({ phase: { type: 'backing-off', retryAt: new Date(Date.now() + delayMs).toISOString() } }),
      })
    const limit = this.deps.manifestPageSize ?? MANIFEST_PAGE_DEFAULT
    const info = this.db.remoteInfo()
    const cachedRevision = info && info.baseUrl === baseUrl ? info.revision : null
    for (let listing = 0; listing < MAX_ROUNDS; listing += 1) {
      const first = await retry(() => context.client.manifestPage({ limit, ifRevision: listing === 0 ? cachedRevision : null }, context.signal))
      if (first.notModified) {
        this.applyServerLimit(context, info?.maxBatchBytes ?? null)
        this.db.setRemoteInfo({ ...info!, fetchedAt: new Date().toISOString() })
        return this.db.remoteFiles()
      }
      const revision = first.page.revision
      const entries = new Map<string, ManifestEntry>()
      let page = first.page
      let consistent = true
      for (;;) {
        for (const entry of page.files) entries.set(entry.path, entry)
        if (page.nextCursor === null) break
        const cursor = page.nextCursor
        const next = await retry(() => context.client.manifestPage({ cursor, limit }, context.signal))
        if (next.notModified) throw new BrainError('sync-failed', 'The gateway answered 304 to a manifest page without If-None-Match.')
        page = next.page
        if (page.revision !== revision) {
          consistent = false
          break
        }
      }
      if (!consistent) continue
      this.db.replaceRemoteFiles(entries.values())
      this.db.setRemoteInfo({ baseUrl, revision, fetchedAt: new Date().toISOString(), maxBatchBytes: first.page.limits.maxBatchBytes })
      this.applyServerLimit(context, first.page.limits.maxBatchBytes)
      return entries
    }
    throw new BrainError('sync-failed', 'The server manifest kept changing while it was listed.', { retryable: true })
  }

  private applyServerLimit(context: PassContext, serverLimit: number | null): void {
    if (serverLimit !== null) context.maxBatchBytes = Math.min(context.config.settings.sync.maxBatchBytes, serverLimit)
  }

  // -------------------------------------------------------------- planning

  private plan(remote: ReadonlyMap<string, ManifestEntry>, context: Pick<PassContext, 'config' | 'embedding'>): SyncPlanDraft {
    const draft = planSync({
      local: this.localFiles(),
      remote,
      isExcluded: excluder(context.config.settings.sync.exclude),
      embeddingKey: context.embedding?.key ?? null,
    })
    // While the indexer holds removals (the folder looks emptied or replaced), no deletion reaches the gateway,
    // even one the index already lost another way: the user has not confirmed anything yet.
    return new RemovalGuardState(this.deps.meta).held() ? { ...draft, deletes: [] } : draft
  }

  private localFiles(): LocalSyncFile[] {
    const hashes = this.db.localChunkHashes(sha256Hex)
    const empty = chunksSha256([])
    return this.deps.meta.listFiles().map((file) => ({
      path: file.path,
      sha256: file.sha256,
      status: file.status,
      chunkCount: file.chunkCount,
      chunksSha256: hashes.get(file.path) ?? empty,
    }))
  }

  /** Files the server does not have as they are here (compared with the last known server state, no network). */
  private countPending(): number {
    try {
      const settings = this.deps.settings()
      const vectors = this.deps.vectors()
      const embeddingKey = vectors ? embeddingDescriptor(vectors).key : null
      const info = this.db.remoteInfo()
      const baseUrl = settings.gateway.baseUrl
      const known = info !== null && baseUrl !== null && safeHref(baseUrl) === info.baseUrl
      const plan = planSync({ local: this.localFiles(), remote: known ? this.db.remoteFiles() : new Map(), isExcluded: excluder(settings.sync.exclude), embeddingKey })
      return planFiles(plan) + plan.waiting.length
    } catch {
      // A status figure must never break the engine (e.g. during shutdown).
      return this.current.pendingFiles
    }
  }

  // ------------------------------------------------------------ operations

  private moveOperation(from: string, to: string, file: LocalSyncFile): MoveOperation | null {
    const record = this.deps.meta.getFile(to)
    if (!record || !record.period || record.label === null) return null
    const chunks = this.deps.meta.chunksForFile(to)
    if (chunksSha256(chunks.map((chunk) => chunk.contentHash)) !== file.chunksSha256) return null
    return {
      op: 'move',
      from,
      to,
      sha256: file.sha256,
      chunksSha256: file.chunksSha256,
      period: { start: record.period.start, end: record.period.end, source: coarsePeriodSource(record.period.source), inferred: record.period.inferred },
      label: record.label,
      chunkIds: chunks.map((chunk) => chunk.id),
    }
  }

  private async upsertOperations(
    files: LocalSyncFile[],
    context: PassContext,
  ): Promise<Array<{ operation: UpsertOperation } | { path: string; skip: SkipReason }>> {
    const folder = context.config.settings.folder
    const prepared = files.map((file) => ({ file, record: this.deps.meta.getFile(file.path), chunks: this.deps.meta.chunksForFile(file.path) }))
    let vectorMap: Map<string, Float32Array> | null = null
    if (context.vectors) {
      const ids = prepared.flatMap((item) => item.chunks.map((chunk) => chunk.id))
      vectorMap = ids.length > 0 ? await context.vectors.store.vectorsByIds(context.vectors.table, ids) : new Map()
    }
    const results: Array<{ operation: UpsertOperation } | { path: string; skip: SkipReason }> = []
    for (const { file, record, chunks } of prepared) {
      if (context.signal.aborted) throw new BrainError('aborted', 'Stopped.', { retryable: true })
      const changed = () => results.push({ path: file.path, skip: 'changed-since-indexing' })
      if (!folder || !record || record.sha256 !== file.sha256 || !record.period || record.label === null) {
        changed()
        continue
      }
      if (chunksSha256(chunks.map((chunk) => chunk.contentHash)) !== file.chunksSha256) {
        changed()
        continue
      }
      let bytes: Buffer
      try {
        bytes = await readFile(path.join(folder, ...file.path.split('/')))
      } catch {
        results.push({ path: file.path, skip: 'unreadable' })
        continue
      }
      // The index and the disk disagree until the indexer catches up; sending either half would be a mix.
      if (sha256Hex(bytes) !== file.sha256) {
        changed()
        continue
      }
      const syncChunks: SyncChunk[] = []
      let missing = false
      for (const chunk of chunks) {
        let vector: string | null = null
        if (vectorMap) {
          const found = vectorMap.get(chunk.id)
          if (!found) {
            missing = true
            break
          }
          vector = encodeVector(found)
        }
        syncChunks.push({
          id: chunk.id,
          ordinal: chunk.ordinal,
          headingPath: chunk.headingPath,
          startLine: chunk.startLine,
          endLine: chunk.endLine,
          text: chunk.text,
          embedText: chunk.embedText,
          contentHash: chunk.contentHash,
          vector,
        })
      }
      if (missing) {
        results.push({ path: file.path, skip: 'vectors-missing' })
        continue
      }
      results.push({
        operation: {
          op: 'upsert',
          path: file.path,
          sha256: file.sha256,
          size: bytes.length,
          content: bytes.toString('utf8'),
          period: { start: record.period.start, end: record.period.end, source: coarsePeriodSource(record.period.source), inferred: record.period.inferred },
          label: record.label,
          chunksSha256: file.chunksSha256,
          chunks: syncChunks,
        },
      })
    }
    return results
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

function excluder(globs: string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false
  const match = picomatch(globs, { dot: true })
  return (notePath) => match(notePath)
}

function planFiles(plan: SyncPlanDraft): number {
  return plan.upserts.length + plan.deletes.length + plan.moves.length
}

function summaryFiles(summary: BatchSummary): number {
  return summary.upserts.length + summary.deletes.length + summary.renames.length
}

function countOperations(summary: BatchSummary): number {
  return summaryFiles(summary)
}

function appendSummary(report: SyncReport, summary: BatchSummary): void {
  for (const item of summary.upserts) report.upserts.push({ path: item.path, sha256: item.sha256, chunks: item.chunks, bytes: item.bytes })
  report.deletes.push(...summary.deletes)
  report.renames.push(...summary.renames)
}

/** The manifest as it will be once an outbox batch has arrived (dry-run planning). */
function applySummaryTo(remote: Map<string, ManifestEntry>, summary: BatchSummary): void {
  for (const deleted of summary.deletes) remote.delete(deleted)
  for (const rename of summary.renames) {
    const entry = remote.get(rename.from)
    remote.delete(rename.from)
    if (entry) remote.set(rename.to, { ...entry, path: rename.to })
  }
  for (const item of summary.upserts) {
    remote.set(item.path, { path: item.path, sha256: item.sha256, chunkCount: item.chunks, chunksSha256: item.chunksSha256, embeddingKey: summary.embeddingKey })
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

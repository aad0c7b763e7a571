import { randomUUID } from 'node:crypto'
import picomatch from 'picomatch'
import { BrainError } from '../../../shared/errors'
import type { ManifestEntry, MoveOperation } from '../../../shared/sync-protocol'
import { RemovalGuardState } from '../indexer/removal-guard'
import type { MetaStore } from '../store/meta-store'
import { deliverBatch, sendBatch } from './batch-sender'
import { fetchManifest } from './manifest-reader'
import { type LocalSyncFile, planSync, type SyncPlanDraft } from './plan-sync'
import { appendSummary, applySummaryTo, type LocalIndexSnapshot, type PassContext, planFiles, summaryFiles } from './sync-pass-context'
import { moveOperation, upsertOperations } from './sync-operations'
import { BatchPacker, chunksSha256, packOperation, type PackedOperation, sha256Hex } from './sync-wire'

/** Files read and vectors fetched together: one LanceDB query per group instead of one per file. */
const BUILD_GROUP = 64
/** A pass re-plans at most this often when moves conflict (someone else changed the server meanwhile). */
const MAX_ROUNDS = 3

/** One sync pass over a context: plan against the server manifest, build the operations, send or list them. */
export class SyncPass {
  constructor(
    private readonly meta: MetaStore,
    private readonly manifestPageSize: number,
  ) {}

  /** Makes the server equal the local index: the outbox first, then the plan, re-planned after conflicts. */
  async push(context: PassContext): Promise<void> {
    const { repository } = context
    const outbox = repository.outbox(context.config.baseUrl.href)
    const remote = await this.fetchManifest(context)
    let plan = this.plan(remote, context)
    context.totalFiles = outbox.reduce((sum, batch) => sum + summaryFiles(batch.summary), 0) + planFiles(plan)
    context.events.progress(0, context.totalFiles)
    // Batches planned before an interruption go first, byte for byte: the server replays those it already applied.
    for (const batch of outbox) {
      const bytes = Buffer.byteLength(batch.body)
      await sendBatch(context, { batchId: batch.batchId, body: batch.body, bytes, operations: summaryFiles(batch.summary), summary: batch.summary }, true)
    }
    if (outbox.length > 0) plan = this.plan(repository.remoteFiles(), context)
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

  /** Lists what a push would send: against the server's manifest, or the last known one when it cannot be read. */
  async dryRun(context: PassContext): Promise<void> {
    const { repository } = context
    let remote: Map<string, ManifestEntry>
    try {
      remote = await this.fetchManifest(context, 1)
      context.report.serverState = { source: 'server', fetchedAt: repository.remoteInfo()?.fetchedAt ?? null }
    } catch (error) {
      if (!BrainError.is(error) || !error.retryable || error.code === 'aborted') throw error
      remote = this.lastKnownRemote(context, context.config.baseUrl).remote
    }
    await this.execute(this.plan(this.afterOutbox(context, remote), context), context)
  }

  /**
   * A dry run that opens no connection at all (sync is disabled): the plan is compared with the last server state
   * seen for `baseUrl`, or with an empty server.
   */
  async offlineDryRun(context: PassContext, baseUrl: URL | null): Promise<void> {
    const { remote, known } = this.lastKnownRemote(context, baseUrl)
    await this.execute(this.plan(known ? this.afterOutbox(context, remote) : remote, context), context)
  }

  /** Files the server does not have as they are here, compared with a known manifest (no network). */
  pendingCount(remote: ReadonlyMap<string, ManifestEntry>, exclude: string[], embeddingKey: string | null): number {
    const plan = planSync({ local: readLocalIndex(this.meta).files, remote, isExcluded: excluder(exclude), embeddingKey })
    return planFiles(plan) + plan.waiting.length
  }

  private fetchManifest(context: PassContext, maxAttempts?: number): Promise<Map<string, ManifestEntry>> {
    return fetchManifest(context, { pageSize: this.manifestPageSize, maxAttempts })
  }

  /** The cached manifest when it describes `baseUrl` (and says so in the report), else an empty server. */
  private lastKnownRemote(context: PassContext, baseUrl: URL | null): { remote: Map<string, ManifestEntry>; known: boolean } {
    const info = context.repository.remoteInfo()
    const known = baseUrl !== null && info !== null && info.baseUrl === baseUrl.href
    context.report.serverState = { source: known ? 'last-known' : 'none', fetchedAt: known ? info.fetchedAt : null }
    return { remote: known ? context.repository.remoteFiles() : new Map(), known }
  }

  /** Outbox batches would be resent first; the plan is then made as if they had arrived. */
  private afterOutbox(context: PassContext, remote: Map<string, ManifestEntry>): Map<string, ManifestEntry> {
    for (const batch of context.repository.outbox(context.config.baseUrl.href)) {
      appendSummary(context.report, batch.summary)
      applySummaryTo(remote, batch.summary)
    }
    return remote
  }

  private plan(remote: ReadonlyMap<string, ManifestEntry>, context: PassContext): SyncPlanDraft {
    context.local ??= readLocalIndex(this.meta)
    const draft = planSync({
      local: context.local.files,
      remote,
      isExcluded: excluder(context.config.settings.sync.exclude),
      embeddingKey: context.embedding?.key ?? null,
    })
    // While the indexer holds removals (the folder looks emptied or replaced), no deletion reaches the gateway,
    // even one the index already lost another way: the user has not confirmed anything yet.
    return new RemovalGuardState(this.meta).held() ? { ...draft, deletes: [] } : draft
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
      if (closed) await deliverBatch(context, closed)
    }
    const upserts = [...plan.upserts]
    const moves: MoveOperation[] = []
    const deletes = [...plan.deletes]
    for (const move of plan.moves) {
      const operation = moveOperation(this.meta, context, move.from, move.to, move.file)
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
      for (const built of await upsertOperations(this.meta, group, context)) {
        if ('skip' in built) context.skipped.push({ path: built.path, reason: built.skip })
        else await emit(packOperation(built.operation), built.operation.path)
      }
    }
    const last = packer.take()
    if (last) await deliverBatch(context, last)
  }
}

/** The manifest and every file's chunksSha256, read in two queries. */
function readLocalIndex(meta: MetaStore): LocalIndexSnapshot {
  const hashes = meta.sync.localChunkHashes(sha256Hex)
  const empty = chunksSha256([])
  const records = new Map(meta.files.list().map((file) => [file.path, file]))
  const files: LocalSyncFile[] = [...records.values()].map((file) => ({
    path: file.path,
    sha256: file.sha256,
    status: file.status,
    chunkCount: file.chunkCount,
    chunksSha256: hashes.get(file.path) ?? empty,
  }))
  return { files, records }
}

function excluder(globs: string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false
  const match = picomatch(globs, { dot: true })
  return (notePath) => match(notePath)
}

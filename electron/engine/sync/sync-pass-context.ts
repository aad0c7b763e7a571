import type { Settings } from '../../../shared/settings'
import type { SyncReport } from '../../../shared/sync'
import type { EmbeddingDescriptor, ManifestEntry } from '../../../shared/sync-protocol'
import type { FileRecord } from '../store/types'
import type { BatchSummary, SyncRepository } from '../store/sync-repository'
import type { VectorStore } from '../store/vector-store'
import type { LocalSyncFile, SyncPlanDraft } from './plan-sync'
import { type RetryPolicy, withRetry } from './retry-policy'
import type { SyncClient } from './sync-client'
import { embeddingDescriptor } from './sync-wire'

/** The active vector table and the model that filled it. */
export interface SyncVectors {
  store: VectorStore
  table: string
  modelId: string
  dimensions: number
  fingerprint: number[]
}

export type SkipReason = NonNullable<SyncReport['skipped']>[number]['reason']
export type Skipped = NonNullable<SyncReport['skipped']>

/** The settings a pass runs with. */
export interface PassConfig {
  baseUrl: URL
  token: string
  settings: Settings
}

/** What a pass tells the service as it goes (the service turns it into status). */
export interface PassEvents {
  /** A retry waits `delayMs`. */
  backingOff(delayMs: number): void
  /** A batch was acknowledged. */
  progress(sentFiles: number, totalFiles: number): void
}

/** The local index as one pass sees it: read once, planned against as often as the pass re-plans. */
export interface LocalIndexSnapshot {
  files: LocalSyncFile[]
  /** The manifest rows the files came from, so building an operation does not read them again. */
  records: ReadonlyMap<string, FileRecord>
}

/** Everything one pass shares between planning, building, sending and the manifest reader. */
export interface PassContext {
  config: PassConfig
  client: SyncClient
  repository: SyncRepository
  signal: AbortSignal
  report: SyncReport
  skipped: Skipped
  embedding: EmbeddingDescriptor | null
  vectors: SyncVectors | null
  maxBatchBytes: number
  policy: RetryPolicy
  random: () => number
  events: PassEvents
  /** Read on first use, then reused by every plan of the pass. */
  local: LocalIndexSnapshot | null
  /** A move whose source no longer matched, or a reused batch id: the pass plans once more from a fresh manifest. */
  replan: boolean
  sentFiles: number
  totalFiles: number
}

export function newPassContext(input: Pick<PassContext, 'config' | 'client' | 'repository' | 'signal' | 'vectors' | 'policy' | 'random' | 'events'> & { dryRun: boolean }): PassContext {
  const { dryRun, ...rest } = input
  return {
    ...rest,
    report: { upserts: [], deletes: [], renames: [], excluded: [], dryRun, requests: 0, bytesSent: 0, seconds: 0 },
    skipped: [],
    embedding: input.vectors ? embeddingDescriptor(input.vectors) : null,
    maxBatchBytes: input.config.settings.sync.maxBatchBytes,
    local: null,
    replan: false,
    sentFiles: 0,
    totalFiles: 0,
  }
}

/** Runs a request with the pass's retry policy (`maxAttempts` overrides it), reporting every wait. */
export function retryInPass<T>(context: PassContext, run: () => Promise<T>, maxAttempts?: number): Promise<T> {
  return withRetry(run, {
    policy: maxAttempts ? { ...context.policy, maxAttempts } : context.policy,
    random: context.random,
    signal: context.signal,
    onWait: (delayMs) => context.events.backingOff(delayMs),
  })
}

export function planFiles(plan: SyncPlanDraft): number {
  return plan.upserts.length + plan.deletes.length + plan.moves.length
}

export function summaryFiles(summary: BatchSummary): number {
  return summary.upserts.length + summary.deletes.length + summary.renames.length
}

export function appendSummary(report: SyncReport, summary: BatchSummary): void {
  for (const item of summary.upserts) report.upserts.push({ path: item.path, sha256: item.sha256, chunks: item.chunks, bytes: item.bytes })
  report.deletes.push(...summary.deletes)
  report.renames.push(...summary.renames)
}

/** The manifest as it will be once an outbox batch has arrived (dry-run planning). */
export function applySummaryTo(remote: Map<string, ManifestEntry>, summary: BatchSummary): void {
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

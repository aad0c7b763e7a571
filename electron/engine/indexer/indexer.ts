import path from 'node:path'
import { BrainError, isAbortError, throwIfAborted, type ErrorCode } from '../../../shared/errors'
import type { IndexPhase, IndexSummary, StoreRepairs } from '../../../shared/index-status'
import type { WeekDateMeans } from '../../../shared/period'
import { approximateTokenCount } from '../chunker/approximate-tokens'
import { parseNote } from '../chunker/parse-note'
import type { Embedder } from '../embedder/types'
import type { MetaStore } from '../store/meta-store'
import type { VectorStore } from '../store/vector-store'
import { reconcileStores, type ReconcileResult } from '../store/reconcile-stores'
import type { FileRecord } from '../store/types'
import type { FileChange } from '../watcher/folder-watcher'
import { hasIndexedExtension } from '../watcher/ignore-rules'
import { NOT_REGULAR_FILE, readNoteFile } from './read-note-file'
import { DEFAULT_REMOVAL_GUARD, judgeRemovals, readFolderIdentity, RemovalGuardState, type RemovalGuardOptions } from './removal-guard'
import { scanFolder, type ScannedFile } from './scan-folder'
import { SerialQueue } from '../async/serial-queue'
import { VectorBacklog } from './vector-backlog'

/** The embedding model and the vector table it fills; null while no model is loaded. */
export interface EmbeddingTarget {
  embedder: Embedder
  table: string
}

export interface IndexerOptions {
  root: string
  meta: MetaStore
  vectors: VectorStore
  embedding: () => EmbeddingTarget | null
  extensions: () => readonly string[]
  maxFileBytes: () => number
  embedBatchSize: () => number
  /** What a weekly note's one date stands for (the `indexing.weekDateMeans` setting); default ISO week. */
  weekDateMeans?: () => WeekDateMeans
  /** Chunk budget in tokens; the model's own limit caps it. */
  chunkTokens?: number
  chunkOverlapTokens?: number
  onProgress: (progress: IndexProgress) => void
  /** Called after every change to the index (a file written, a batch embedded). */
  onIndexChanged: () => void
  /** When removals are held instead of applied (see removal-guard.ts). */
  removalGuard?: RemovalGuardOptions
  /** The consistency check between the stores repaired something. */
  onRepaired?: (repairs: StoreRepairs) => void
}

/** Options of one full pass. */
export interface ReconcileOptions {
  /** Apply removals even when they look like a vanished folder: the user said so (`index --confirm-removals`). */
  confirmRemovals?: boolean
}

/** What the running job reports: the working phases of `IndexPhase`, or idle between jobs. */
export type IndexProgress = Extract<IndexPhase, { type: 'scanning' | 'indexing' | 'embedding' }> | { type: 'idle' }

const DEFAULT_CHUNK_TOKENS = 320
const DEFAULT_OVERLAP_TOKENS = 32
/**
 * Bumped whenever the chunker or the dating rules change what they produce for the same file. A manifest written
 * under another version (or another weekDateMeans) is re-chunked on the next pass even where size and mtime match.
 */
export const CHUNKER_VERSION = 2
const CHUNKER_SIGNATURE_KEY = 'chunker-signature'

/**
 * The pipeline folder -> chunks -> vectors. SQLite is written first, one transaction per file, so a note is
 * keyword-searchable as soon as it is read; vectors follow in batches. Every mutation runs on one serial queue, so
 * a watcher burst, a full pass and the embedding backlog never interleave inside a file. Killing the process at
 * any point leaves SQLite consistent; `reconcileVectors` then repairs LanceDB against it on the next start.
 */
export class Indexer {
  private readonly queue = new SerialQueue()
  private embedScheduled = false
  /** The vector table whose rows were fully compared with SQLite in this process (later passes compare counts). */
  private checkedTable: string | null = null
  private unreportedRepairs: StoreRepairs | null = null
  readonly guard: RemovalGuardState
  /** The vector side: the embedding backlog, vectors kept for reuse, table maintenance. */
  private readonly backlog: VectorBacklog

  constructor(private readonly options: IndexerOptions) {
    this.guard = new RemovalGuardState(options.meta)
    this.backlog = new VectorBacklog(options)
  }

  /**
   * One full incremental pass: scan, compare with the manifest, index what changed, check the vector store against
   * SQLite (re-queue lost vectors, adopt ones SQLite forgot, delete orphans), then embed the backlog.
   */
  reconcile(signal?: AbortSignal, passOptions: ReconcileOptions = {}): Promise<IndexSummary> {
    return this.queue.run(async () => {
      try {
        const started = performance.now()
        const summary = await this.reconcileFiles(signal, passOptions)
        await this.checkStores({ deleteOrphans: true, signal })
        // Everything repaired since the last summary (including the start-up check that ran before this pass).
        if (this.unreportedRepairs) summary.repairs = this.unreportedRepairs
        this.unreportedRepairs = null
        const embedded = await this.backlog.embed(signal)
        summary.chunksEmbedded += embedded.embedded
        summary.chunksReused += embedded.reused
        summary.seconds = (performance.now() - started) / 1000
        return summary
      } finally {
        // Also when the pass failed or was stopped: the status never shows a job that is no longer running.
        this.options.onProgress({ type: 'idle' })
      }
    })
  }

  /** Applies a settled burst of watcher changes, then embeds what they added. */
  applyChanges(changes: FileChange[], signal?: AbortSignal): Promise<void> {
    return this.queue.run(async () => {
      const { meta } = this.options
      const removed = new Map<string, FileRecord>()
      const upserts: string[] = []
      for (const change of changes) {
        if (change.type === 'upsert') upserts.push(change.path)
        else {
          const record = meta.files.get(change.path)
          if (record) removed.set(change.path, record)
        }
      }
      if (removed.size > 0) {
        // A burst that deletes many notes at once (or any deletion while removals are already held) is held too:
        // the next full pass decides, and only the user's confirmation applies it.
        const indexedFiles = meta.files.count()
        const previous = this.guard.held()
        const reason =
          previous?.reason ??
          judgeRemovals({ removals: removed.size, indexedFiles, filesOnDisk: indexedFiles - removed.size, identityChanged: false, guard: this.removalGuard() })
        if (reason) {
          const paths = [...new Set([...(previous?.examples ?? []), ...removed.keys()])]
          this.guard.hold(reason, paths, previous?.indexedFiles ?? indexedFiles, (previous?.removals ?? 0) + removed.size)
          removed.clear()
        }
      }
      const summary = emptySummary()
      let done = 0
      for (const relativePath of upserts) {
        throwIfAborted(signal)
        await this.indexOne(relativePath, null, removed, summary)
        this.options.onProgress({ type: 'indexing', done: ++done, total: upserts.length })
      }
      // Deletions after additions: a moved file's new chunks find the old vectors by content hash first.
      for (const relativePath of removed.keys()) await this.removeOne(relativePath)
      this.options.onIndexChanged()
      // In the same job, so whoever awaits this (the controller's `ready`, the sync trigger) sees the vectors written.
      try {
        await this.backlog.embed(signal)
      } finally {
        this.options.onProgress({ type: 'idle' })
      }
    })
  }

  /** Queues a pass over the vector backlog (e.g. when a model has just loaded). */
  scheduleEmbedding(signal?: AbortSignal): Promise<void> {
    if (this.embedScheduled) return Promise.resolve()
    this.embedScheduled = true
    return this.queue.run(async () => {
      this.embedScheduled = false
      try {
        await this.backlog.embed(signal)
      } catch (error) {
        if (!isAbortError(error)) throw error
      } finally {
        this.options.onProgress({ type: 'idle' })
      }
    })
  }

  /**
   * After a large pass: compacts the vector table and builds the ANN index (see `VectorBacklog.maintain`), on the
   * queue so it never runs beside a write.
   */
  maintainVectors(signal?: AbortSignal, minWrites?: number): Promise<void> {
    return this.queue.run(() => this.backlog.maintain(signal, minWrites))
  }

  /**
   * Runs another component's store job on this indexer's queue (the vector table's completion), so it never races
   * the indexer's writes and shutdown's `whenIdle` waits for it.
   */
  enqueue<T>(job: () => Promise<T>): Promise<T> {
    return this.queue.run(job)
  }

  /** Waits for every queued job (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle()
  }

  /**
   * Makes LanceDB agree with SQLite after a crash (orphan vectors deleted, missing ones queued, ones written just
   * before a crash recognised), on the same queue as every other write.
   */
  reconcileVectors(table: string, signal?: AbortSignal): Promise<ReconcileResult> {
    // Flags only: this may run before the first pass has read the folder (a model that loads early), when an
    // emptied index.sqlite makes every vector look orphaned. Orphans are deleted by full passes.
    return this.queue.run(() => reconcileStores(this.options.meta, this.options.vectors, table, { signal, deleteOrphans: false, keepIds: this.backlog.staleIds() }))
  }

  /** The start-up check outside a pass (one-shot commands such as `status`): flags only, on the queue. */
  checkStoresNow(signal?: AbortSignal): Promise<StoreRepairs | null> {
    return this.queue.run(() => this.checkStores({ deleteOrphans: false, signal }))
  }

  /**
   * Compares the vector table with SQLite. The first time in a process, every row is compared (bounded: ids and
   * short fields only, no vectors); later passes compare row counts and look closer only when they differ.
   */
  private async checkStores(options: { deleteOrphans: boolean; signal?: AbortSignal }): Promise<StoreRepairs | null> {
    const target = this.options.embedding()
    if (!target) return null
    const { meta, vectors } = this.options
    if (this.checkedTable === target.table) {
      const rows = await vectors.count(target.table)
      if (rows === meta.chunks.countEmbedded() + this.backlog.staleCount) return null
    }
    const result = await reconcileStores(meta, vectors, target.table, { ...options, keepIds: this.backlog.staleIds() })
    if (options.deleteOrphans) this.checkedTable = target.table
    const removedOrphans = options.deleteOrphans ? result.orphanVectors : 0
    if (result.missingVectors === 0 && result.foundVectors === 0 && removedOrphans === 0) return null
    const repairs: StoreRepairs = {
      missingVectors: result.missingVectors,
      orphanVectors: removedOrphans,
      foundVectors: result.foundVectors,
      at: new Date().toISOString(),
    }
    const earlier = this.unreportedRepairs
    this.unreportedRepairs = earlier
      ? {
          missingVectors: earlier.missingVectors + repairs.missingVectors,
          orphanVectors: earlier.orphanVectors + repairs.orphanVectors,
          foundVectors: earlier.foundVectors + repairs.foundVectors,
          at: repairs.at,
        }
      : repairs
    console.warn(
      `[index] repaired the vector store: ${repairs.missingVectors} missing vectors queued again, ${repairs.orphanVectors} orphan vectors deleted, ${repairs.foundVectors} stored vectors reused`,
    )
    // Reported merged: the start-up check and the pass that follows are one repair as far as the user can tell.
    this.options.onRepaired?.(this.unreportedRepairs)
    return repairs
  }

  private removalGuard(): RemovalGuardOptions {
    return this.options.removalGuard ?? DEFAULT_REMOVAL_GUARD
  }

  private async reconcileFiles(signal: AbortSignal | undefined, passOptions: ReconcileOptions): Promise<IndexSummary> {
    const { meta, root } = this.options
    this.options.onProgress({ type: 'scanning' })
    const scan = await scanFolder(root, this.options.extensions(), signal)
    const identity = await readFolderIdentity(root)
    const summary = emptySummary()
    const manifest = new Map(meta.files.list().map((record) => [record.path, record]))
    const onDisk = new Set(scan.files.map((file) => file.path))
    const removed = new Map([...manifest].filter(([filePath]) => !onDisk.has(filePath)))

    const signature = this.chunkerSignature()
    const sameChunker = meta.state.get<string>(CHUNKER_SIGNATURE_KEY) === signature
    const candidates: ScannedFile[] = []
    for (const file of scan.files) {
      const record = manifest.get(file.path)
      // The fast path: same size and mtime as when it was indexed (or failed) means unchanged, unless the chunker
      // or the dating rules changed since (then every file is read again; unchanged text keeps its vectors).
      if (sameChunker && record && record.size === file.size && record.mtimeMs === file.mtimeMs) summary.unchanged += 1
      else candidates.push(file)
    }
    const problems = scan.problems.filter((problem) => !removed.has(problem.path))
    for (const problem of problems) {
      // A folder we cannot enter keeps what was indexed from it: we cannot tell that its notes are gone.
      for (const filePath of [...removed.keys()]) if (filePath.startsWith(`${problem.path}/`)) removed.delete(filePath)
      if (hasIndexedExtension(problem.path, this.options.extensions())) {
        this.recordFailure(problem.path, problem.code, problem.message, null, summary)
      }
    }

    const reason = passOptions.confirmRemovals
      ? null
      : judgeRemovals({
          removals: removed.size,
          indexedFiles: manifest.size,
          filesOnDisk: scan.files.length,
          identityChanged: this.guard.identityChanged(identity),
          guard: this.removalGuard(),
        })
    let held = 0
    if (reason) {
      this.guard.hold(reason, [...removed.keys()], manifest.size)
      held = removed.size
      summary.removalsHeld = held
      removed.clear()
    }

    let done = 0
    this.options.onProgress({ type: 'indexing', done, total: candidates.length })
    for (const file of candidates) {
      throwIfAborted(signal)
      await this.indexOne(file.path, manifest.get(file.path) ?? null, removed, summary)
      done += 1
      this.options.onProgress({ type: 'indexing', done, total: candidates.length })
    }
    for (const filePath of removed.keys()) {
      await this.removeOne(filePath)
      summary.removed += 1
    }
    if (!sameChunker) meta.state.set(CHUNKER_SIGNATURE_KEY, signature)
    summary.removed -= summary.renamed
    if (!reason) {
      // Nothing is held any more: this folder, as it is now, is the one the index describes.
      this.guard.clear()
      this.guard.confirmIdentity(identity)
    }
    if (candidates.length > 0 || removed.size > 0 || problems.length > 0 || held > 0) this.options.onIndexChanged()
    return summary
  }

  /**
   * Reads, chunks and stores one file; a failure of the file is recorded for it and never thrown. (The model's
   * tokenizer failing to load fails the pass: every file would be chunked with it.)
   */
  private async indexOne(
    relativePath: string,
    previous: FileRecord | null,
    removedThisPass: Map<string, FileRecord>,
    summary: IndexSummary,
  ): Promise<void> {
    const { meta, root } = this.options
    const before = previous ?? meta.files.get(relativePath)
    let note
    try {
      note = await readNoteFile(path.join(root, relativePath), relativePath, this.options.maxFileBytes())
    } catch (error) {
      const failure = error instanceof BrainError ? error : new BrainError('file-unreadable', String(error))
      if (failure.code === 'file-vanished') {
        // Deleted between the event and the read: the unlink event that follows removes it.
        return
      }
      if (failure.details?.reason === NOT_REGULAR_FILE) {
        // A FIFO, socket or device with a note's name: not a note, skipped as the folder scan skips it.
        return
      }
      this.recordFailure(relativePath, failure.code, failure.message, null, summary)
      return
    }
    // Touched but not edited (a sync client, `git checkout`): re-chunking gives the same chunk ids, so nothing is
    // embedded again; only the manifest's size and mtime are refreshed.
    const touchedOnly = before !== null && before.sha256 === note.sha256 && before.status !== 'failed'
    const countTokens = await this.tokenCounter()
    const parsed = parseNote(
      { relativePath, text: note.text, mtimeMs: note.mtimeMs },
      {
        countTokens,
        maxTokens: this.chunkBudget(),
        overlapTokens: this.options.chunkOverlapTokens ?? DEFAULT_OVERLAP_TOKENS,
        weekDateMeans: this.weekDateMeans(),
      },
    )
    const result = meta.replaceFile(
      { path: relativePath, size: note.size, mtimeMs: note.mtimeMs, sha256: note.sha256, period: parsed.period, label: parsed.label },
      parsed.chunks,
    )
    this.backlog.rememberStale(result)
    if (result.added.length === 0 || !this.options.embedding()) meta.files.markIndexed(relativePath)
    summary.chunksReused += result.keptIds.length

    if (touchedOnly) {
      summary.unchanged += 1
      return
    }
    const movedFrom = before ? null : [...removedThisPass.values()].find((record) => record.sha256 === note.sha256)
    if (movedFrom) summary.renamed += 1
    else if (before && before.status !== 'failed') summary.changed += 1
    else summary.added += 1
  }

  private weekDateMeans(): WeekDateMeans {
    return this.options.weekDateMeans?.() ?? 'containing-iso-week'
  }

  private chunkerSignature(): string {
    return `${CHUNKER_VERSION}:${this.weekDateMeans()}`
  }

  private async removeOne(relativePath: string): Promise<void> {
    this.backlog.rememberStale(this.options.meta.deleteFile(relativePath))
  }

  private recordFailure(relativePath: string, code: ErrorCode, message: string, stat: { size: number; mtimeMs: number } | null, summary: IndexSummary): void {
    this.backlog.rememberStale(this.options.meta.markFailed(relativePath, code, message, stat))
    summary.failed += 1
  }

  /** The model's own token count once its tokenizer is loaded (the first chunking loads it), else an estimate. */
  private async tokenCounter(): Promise<(text: string) => number> {
    const target = this.options.embedding()
    if (!target) return approximateTokenCount
    await target.embedder.prepareTokenizer()
    return (text) => target.embedder.countTokens(text)
  }

  private chunkBudget(): number {
    const wanted = this.options.chunkTokens ?? DEFAULT_CHUNK_TOKENS
    const modelMax = this.options.embedding()?.embedder.info.maxTokens
    // Leave room for the special tokens and the passage prefix the model adds.
    return modelMax ? Math.min(wanted, modelMax - 16) : wanted
  }
}

function emptySummary(): IndexSummary {
  return { added: 0, changed: 0, removed: 0, renamed: 0, unchanged: 0, failed: 0, chunksEmbedded: 0, chunksReused: 0, seconds: 0 }
}

import fs from 'node:fs'
import { BrainError, isAbortError, toErrorData } from '../../../shared/errors'
import type { FileError, FolderState, IndexPhase, IndexSnapshot, IndexSummary, StoreRepairs } from '../../../shared/index-status'
import type { Settings } from '../../../shared/settings'
import { Emitter, type Disposable } from '../../../shared/lifecycle'
import { Backoff } from '../async/backoff'
import type { MetaStore } from '../store/meta-store'
import type { VectorStore } from '../store/vector-store'
import { FolderWatcher, type FileChange, type WatchedFolderState } from '../watcher/folder-watcher'
import type { EmbeddingManager } from './embedding-manager'
import { Indexer, type IndexProgress, type ReconcileOptions } from './indexer'
import { RemovalGuardState, type RemovalGuardOptions } from './removal-guard'
import { assertFolder } from './scan-folder'

export interface IndexControllerOptions {
  meta: MetaStore
  vectors: VectorStore
  embedding: EmbeddingManager
  settings: () => Settings
  /** Keep watching the folder (the app, `notes-rag watch`); false for one-shot passes. */
  watch: boolean
  /** How often a missing folder is looked for again. */
  folderPollMs?: number
  /** How often the watcher checks that the folder is still there and still the same folder. */
  livenessIntervalMs?: number
  watcherDebounceMs?: number
  /**
   * While watching, a full incremental pass this often (size+mtime fast path, cheap when nothing changed) repairs
   * events the watcher missed; finding changes there also restarts the watcher. 0 turns it off.
   */
  consistencyCheckMs?: number
  /** After a failed pass (e.g. another process holds the database), the first retry; doubles up to the check interval. */
  retryPassMs?: number
  removalGuard?: RemovalGuardOptions
}

const MAX_ERRORS_IN_SNAPSHOT = 200
const LAST_INDEXED_KEY = 'lastIndexedAt'
const LAST_REPAIRS_KEY = 'lastStoreRepairs'
const DEFAULT_CONSISTENCY_CHECK_MS = 5 * 60_000
const DEFAULT_RETRY_PASS_MS = 5_000

/**
 * The folder's lifecycle around the indexer: start and stop watching, pause and resume, a vanished folder
 * (paused, index kept, polled until it returns, then reconciled), and the status snapshots the UI shows.
 */
export class IndexController implements Disposable {
  private folder: string | null = null
  private folderState: FolderState = 'not-set'
  private phase: IndexPhase = { type: 'starting' }
  private indexer: Indexer | null = null
  private watcher: FolderWatcher | null = null
  private pollTimer: NodeJS.Timeout | null = null
  private work = new AbortController()
  private userPaused = false
  private heldChanges: FileChange[] = []
  private generation = 0
  private snapshotTimer: NodeJS.Timeout | null = null
  private lastEmittedPhase: IndexPhase['type'] | null = null
  private disposed = false
  private consistencyTimer: NodeJS.Timeout | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private readonly retryBackoff: Backoff
  private passRunning = false
  private readonly guard: RemovalGuardState
  readonly onSnapshot = new Emitter<IndexSnapshot>()
  /** Fires after a change to the index has settled (sync listens to it). */
  readonly onSettled = new Emitter<void>()
  /** Every settled burst of file changes the watcher saw (the `watch` CLI logs them). */
  readonly onFileChanges = new Emitter<FileChange[]>()

  constructor(private readonly options: IndexControllerOptions) {
    this.userPaused = options.settings().indexing.paused
    this.guard = new RemovalGuardState(options.meta)
    this.retryBackoff = new Backoff(() => ({ initialMs: options.retryPassMs ?? DEFAULT_RETRY_PASS_MS, maxMs: options.consistencyCheckMs || DEFAULT_CONSISTENCY_CHECK_MS }))
    options.embedding.onStatus.event(() => this.emitSoon())
    options.embedding.onTarget.event(() => {
      if (!this.indexer) return
      const table = options.embedding.current()?.table
      if (!table) return
      void this.indexer
        .reconcileVectors(table)
        .then(() => this.embedBacklog())
        .catch((error) => console.warn('[index] vector reconciliation failed', error))
    })
  }

  /** Switches to a folder (or none). Resolves once watching has started; the first pass runs in the background. */
  async setFolder(folder: string | null): Promise<void> {
    await this.stopFolder()
    this.folder = folder
    const generation = ++this.generation
    if (!folder) {
      this.folderState = 'not-set'
      this.setPhase({ type: 'no-folder' })
      return
    }
    this.indexer = this.createIndexer(folder)
    if (!folderExists(folder)) {
      this.markFolderUnavailable(generation)
      return
    }
    this.folderState = 'ok'
    if (this.options.watch) {
      await this.startWatching(folder, generation)
      this.startConsistencyChecks(generation)
    }
    if (this.userPaused) this.setPhase({ type: 'paused', reason: 'user' })
    else if (this.options.watch) void this.runPass(generation).catch(() => undefined)
    else {
      // One-shot commands (status, search, ask) run no pass: check the stores here, so the counts they print and
      // the vectors search relies on are what exists (flags only; orphans wait for a full pass).
      if (this.options.embedding.current()) {
        await this.indexer.checkStoresNow().catch((error) => console.warn('[index] the store check failed', error))
      }
      this.setPhase({ type: 'ready' })
    }
  }

  /** One full pass now; rejects with folder-missing / folder-not-directory when the folder cannot be read. */
  async reindex(signal?: AbortSignal, passOptions: ReconcileOptions = {}): Promise<IndexSummary> {
    if (!this.folder || !this.indexer) throw new BrainError('folder-not-set', 'No folder is set. Choose the folder that holds your weekly logs.')
    await assertFolder(this.folder)
    return this.runPass(this.generation, signal, passOptions)
  }

  /**
   * The user confirmed that the notes held back (folderState `suspect`) are really gone: one full pass that
   * applies every removal, after which sync may send the deletions.
   */
  confirmRemovals(signal?: AbortSignal): Promise<IndexSummary> {
    return this.reindex(signal, { confirmRemovals: true })
  }

  pause(): IndexSnapshot {
    this.userPaused = true
    this.work.abort()
    this.work = new AbortController()
    if (this.folder) this.setPhase({ type: 'paused', reason: 'user' })
    return this.snapshot()
  }

  resume(): IndexSnapshot {
    if (!this.userPaused) return this.snapshot()
    this.userPaused = false
    this.heldChanges = []
    if (this.folder && this.folderState === 'ok') void this.runPass(this.generation).catch(() => undefined)
    return this.snapshot()
  }

  /** Waits until queued indexing work has finished (tests, CLI). */
  async whenIdle(): Promise<void> {
    await this.indexer?.whenIdle()
  }

  /** The snapshot with the period provenance counts (a scan of the chunks: asked for, not pushed). */
  status(): IndexSnapshot {
    return { ...this.snapshot(), periodSources: this.options.meta.summary.periodSourceCounts() }
  }

  snapshot(): IndexSnapshot {
    const { meta, embedding } = this.options
    const failed = meta.files.listFailed()
    const errors: FileError[] = failed.slice(0, MAX_ERRORS_IN_SNAPSHOT).map((record) => ({
      path: record.path,
      code: record.errorCode ?? 'file-unreadable',
      message: record.errorMessage ?? 'Could not be indexed.',
      at: record.indexedAt ?? '',
    }))
    const held = this.folder ? this.guard.held() : null
    const repairs = meta.state.get<StoreRepairs>(LAST_REPAIRS_KEY)
    return {
      phase: this.phase,
      folder: this.folder,
      folderState: held && this.folderState === 'ok' ? 'suspect' : this.folderState,
      ...(held ? { heldRemovals: held } : {}),
      ...(repairs ? { repairs } : {}),
      files: meta.files.count() - failed.length,
      chunks: meta.chunks.count(),
      vectors: embedding.current() ? meta.chunks.countEmbedded() : 0,
      lastIndexedAt: meta.state.get<string>(LAST_INDEXED_KEY),
      embedding: embedding.status,
      errors,
    }
  }

  private createIndexer(root: string): Indexer {
    const { meta, vectors, embedding, settings } = this.options
    return new Indexer({
      root,
      meta,
      vectors,
      embedding: () => embedding.current(),
      extensions: () => settings().indexing.extensions,
      maxFileBytes: () => settings().indexing.maxFileBytes,
      embedBatchSize: () => settings().embedding.batchSize,
      weekDateMeans: () => settings().indexing.weekDateMeans,
      onProgress: (progress) => this.onProgress(progress),
      onIndexChanged: () => this.emitSoon(),
      removalGuard: this.options.removalGuard,
      onRepaired: (repairs) => {
        meta.state.set(LAST_REPAIRS_KEY, repairs)
        this.emitSoon()
      },
    })
  }

  private async runPass(generation: number, signal?: AbortSignal, passOptions: ReconcileOptions = {}): Promise<IndexSummary> {
    const indexer = this.indexer!
    const combined = signal ? AbortSignal.any([signal, this.work.signal]) : this.work.signal
    this.passRunning = true
    try {
      const summary = await indexer.reconcile(combined, passOptions)
      this.retryBackoff.reset()
      if (generation === this.generation) this.afterWork()
      return summary
    } catch (error) {
      if (generation === this.generation && !isAbortError(error)) {
        if (BrainError.is(error, 'folder-missing')) this.markFolderUnavailable(generation)
        else {
          this.setPhase({ type: 'error', error: toErrorData(error) })
          this.scheduleRetry(generation)
        }
      }
      throw error
    } finally {
      this.passRunning = false
    }
  }

  /** A watched folder whose pass failed (a locked database, a full disk) is tried again, with backoff. */
  private scheduleRetry(generation: number): void {
    if (!this.options.watch || this.retryTimer || this.disposed) return
    const delay = this.retryBackoff.next()
    console.warn(`[index] the pass failed; trying again in ${Math.round(delay / 1000)} s`)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (generation !== this.generation || this.disposed || this.userPaused || this.folderState !== 'ok') return
      void this.runPass(generation).catch(() => undefined)
    }, delay)
    this.retryTimer.unref?.()
  }

  /** The periodic pass that repairs missed watcher events (see `consistencyCheckMs`). */
  private startConsistencyChecks(generation: number): void {
    const every = this.options.consistencyCheckMs ?? DEFAULT_CONSISTENCY_CHECK_MS
    if (every <= 0) return
    this.consistencyTimer = setInterval(() => {
      if (generation !== this.generation || this.disposed || this.userPaused || this.folderState !== 'ok' || this.passRunning) return
      void this.runPass(generation)
        .then((summary) => {
          const missed = summary.added + summary.changed + summary.removed + summary.renamed + (summary.removalsHeld ?? 0)
          if (missed === 0 || generation !== this.generation) return
          console.warn(`[watcher] the consistency check found ${missed} changes the watcher had not reported; restarting it`)
          void this.watcher?.restart('it missed changes').catch(() => undefined)
        })
        .catch(() => undefined)
    }, every)
    this.consistencyTimer.unref?.()
  }

  private embedBacklog(): void {
    if (!this.indexer || this.userPaused || this.folderState !== 'ok') return
    const generation = this.generation
    void this.indexer
      .scheduleEmbedding(this.work.signal)
      .then(() => {
        if (generation === this.generation) this.afterWork()
      })
      .catch((error) => {
        if (!isAbortError(error)) this.setPhase({ type: 'error', error: toErrorData(error) })
      })
  }

  private afterWork(): void {
    const { meta } = this.options
    meta.state.set(LAST_INDEXED_KEY, new Date().toISOString())
    void this.options.embedding.completeIfBuilt().catch((error) => console.warn('[index] could not finish the vector table', error))
    void this.indexer?.maintainVectors()
    if (!this.userPaused && this.folderState === 'ok') this.setPhase({ type: 'ready' })
    this.onSettled.fire()
  }

  private onProgress(progress: IndexProgress): void {
    if (this.userPaused || this.folderState !== 'ok') return
    if (progress.type === 'idle') return
    this.setPhase(progress)
  }

  private async startWatching(folder: string, generation: number): Promise<void> {
    this.watcher = await FolderWatcher.start({
      root: folder,
      extensions: this.options.settings().indexing.extensions,
      debounceMs: this.options.watcherDebounceMs,
      livenessIntervalMs: this.options.livenessIntervalMs,
      onChanges: (changes) => this.onChanges(changes, generation),
      onFolderState: (state: WatchedFolderState) => {
        if (generation !== this.generation) return
        if (state === 'replaced') {
          // Another folder at the same path: a full pass compares it with the index (and holds the removals if it
          // looks like the notes went away rather than were deleted).
          console.warn(`[watcher] ${folder} was replaced by another folder; re-attached, checking it against the index`)
          if (this.userPaused || this.folderState !== 'ok') return
          void this.runPass(generation).catch(() => undefined)
        } else if (state === 'unavailable') {
          this.folderState = 'unavailable'
          this.work.abort()
          this.work = new AbortController()
          this.setPhase({ type: 'paused', reason: 'folder-unavailable' })
        } else {
          this.folderState = 'ok'
          if (this.userPaused) this.setPhase({ type: 'paused', reason: 'user' })
          else void this.runPass(generation).catch(() => undefined)
        }
      },
      onError: (error) => console.warn(`[watcher] ${error.message}`),
    })
  }

  private onChanges(changes: FileChange[], generation: number): void {
    if (generation !== this.generation || !this.indexer) return
    this.onFileChanges.fire(changes)
    if (this.userPaused) {
      // Held, not lost: resuming runs a full pass, which sees every change made meanwhile.
      this.heldChanges.push(...changes)
      return
    }
    void this.indexer
      .applyChanges(changes, this.work.signal)
      .then(() => {
        if (generation === this.generation) this.afterWork()
      })
      .catch((error) => {
        if (!isAbortError(error)) console.warn('[index] applying changes failed', error)
      })
  }

  /** The folder is gone: keep the index, say so, and look for the folder again until it is back. */
  private markFolderUnavailable(generation: number): void {
    this.folderState = 'unavailable'
    this.setPhase({ type: 'paused', reason: 'folder-unavailable' })
    if (this.pollTimer) return
    this.pollTimer = setInterval(() => {
      if (generation !== this.generation || this.disposed) return this.stopPolling()
      if (!this.folder || !folderExists(this.folder)) return
      this.stopPolling()
      void this.setFolder(this.folder)
    }, this.options.folderPollMs ?? 2000)
    this.pollTimer.unref?.()
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer)
    this.pollTimer = null
  }

  private async stopFolder(): Promise<void> {
    this.stopPolling()
    if (this.consistencyTimer) clearInterval(this.consistencyTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.consistencyTimer = null
    this.retryTimer = null
    this.work.abort()
    this.work = new AbortController()
    await this.watcher?.dispose()
    this.watcher = null
    await this.indexer?.whenIdle().catch(() => undefined)
    this.indexer = null
  }

  private setPhase(phase: IndexPhase): void {
    const changed = phase.type !== this.phase.type || phase.type !== this.lastEmittedPhase
    this.phase = phase
    // A new phase is shown at once (a short pass may last less than one coalescing window); progress within a
    // phase is coalesced.
    if (changed) this.emitNow()
    else this.emitSoon()
  }

  /** Snapshots are coalesced: at most one every 100 ms, always including the latest state. */
  private emitSoon(): void {
    if (this.snapshotTimer || this.disposed) return
    this.snapshotTimer = setTimeout(() => this.emitNow(), 100)
  }

  private emitNow(): void {
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer)
    this.snapshotTimer = null
    if (this.disposed) return
    this.lastEmittedPhase = this.phase.type
    this.onSnapshot.fire(this.snapshot())
  }

  async dispose(): Promise<void> {
    this.disposed = true
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer)
    await this.stopFolder()
    this.onSnapshot.dispose()
    this.onSettled.dispose()
    this.onFileChanges.dispose()
  }
}

function folderExists(folder: string): boolean {
  try {
    return fs.statSync(folder).isDirectory()
  } catch {
    return false
  }
}

import { BrainError, isAbortError, toErrorData } from '../../../shared/errors'
import type { FileError, IndexPhase, IndexSnapshot, IndexSummary, StoreRepairs } from '../../../shared/index-status'
import type { Settings } from '../../../shared/settings'
import { Emitter, type Disposable } from '../../../shared/lifecycle'
import { Backoff } from '../../../shared/backoff'
import type { MetaStore } from '../store/meta-store'
import type { VectorStore } from '../store/vector-store'
import { DEFAULT_FOLDER_POLL_MS, FolderLiveness, statFolderIdentity } from '../watcher/folder-liveness'
import { FolderWatcher, type FileChange, type WatchedFolderState } from '../watcher/folder-watcher'
import type { EmbeddingManager } from './embedding-manager'
import { Indexer, type ReconcileOptions } from './indexer'
import { indexPhase, indexSnapshot, initialIndexState, type IndexState } from './index-state'
import { RemovalGuardState, type RemovalGuardOptions } from './removal-guard'
import { assertFolder } from './scan-folder'

export interface IndexControllerOptions {
  meta: MetaStore
  vectors: VectorStore
  embedding: EmbeddingManager
  settings: () => Settings
  /** Keep watching the folder (the app, `notes-rag watch`); false for one-shot passes. */
  watch: boolean
  /**
   * How often the folder is looked at: one poller both finds a missing folder again and tells the watcher that the
   * folder vanished or was swapped for another one.
   */
  folderPollMs?: number
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
 * (paused, index kept, polled until it returns, then reconciled), and the status snapshots the UI shows. The status
 * is derived from one `IndexState` (see index-state.ts); every job of a pass takes the pass's signal (`work`),
 * which pause, a vanished folder and a folder change abort.
 */
export class IndexController implements Disposable {
  private readonly state: IndexState
  private indexer: Indexer | null = null
  private watcher: FolderWatcher | null = null
  private liveness: FolderLiveness | null = null
  private waitingForFolder: Disposable | null = null
  private work = new AbortController()
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
    this.state = initialIndexState(options.settings().indexing.paused)
    this.guard = new RemovalGuardState(options.meta)
    this.retryBackoff = new Backoff(() => ({ initialMs: options.retryPassMs ?? DEFAULT_RETRY_PASS_MS, maxMs: options.consistencyCheckMs || DEFAULT_CONSISTENCY_CHECK_MS }))
    options.embedding.onStatus.event(() => this.emitSoon())
    options.embedding.onTarget.event(() => {
      if (!this.indexer) return
      const table = options.embedding.current()?.table
      if (!table) return
      void this.indexer
        .reconcileVectors(table, this.work.signal)
        .then(() => this.embedBacklog())
        .catch((error) => {
          if (!isAbortError(error)) console.warn('[index] vector reconciliation failed', error)
        })
    })
  }

  /** Switches to a folder (or none). Resolves once watching has started; the first pass runs in the background. */
  async setFolder(folder: string | null): Promise<void> {
    await this.stopFolder()
    const generation = ++this.generation
    const present = folder !== null && statFolderIdentity(folder) !== null
    const folderState = folder === null ? 'not-set' : present ? 'ok' : 'unavailable'
    this.update({ folder, folderState, activity: { type: 'idle' }, passQueued: false, error: null, settled: false })
    if (!folder) return
    this.indexer = this.createIndexer(folder)
    this.liveness = new FolderLiveness(folder, this.options.folderPollMs ?? DEFAULT_FOLDER_POLL_MS)
    if (!present) {
      this.markFolderUnavailable(generation)
      return
    }
    if (this.options.watch) {
      await this.startWatching(folder, generation)
      this.startConsistencyChecks(generation)
    }
    if (this.state.userPaused) return
    if (this.options.watch) this.startPass(generation)
    else {
      // One-shot commands (status, search, ask) run no pass: check the stores here, so the counts they print and
      // the vectors search relies on are what exists (flags only; orphans wait for a full pass).
      if (this.options.embedding.current()) {
        await this.indexer.checkStoresNow(this.work.signal).catch((error) => console.warn('[index] the store check failed', error))
      }
      this.update({ settled: true })
    }
  }

  /** One full pass now; rejects with folder-missing / folder-not-directory when the folder cannot be read. */
  async reindex(signal?: AbortSignal, passOptions: ReconcileOptions = {}): Promise<IndexSummary> {
    if (!this.state.folder || !this.indexer) throw new BrainError('folder-not-set', 'No folder is set. Choose the folder that holds your weekly logs.')
    await assertFolder(this.state.folder)
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
    this.abortWork()
    this.update({ userPaused: true })
    return this.snapshot()
  }

  resume(): IndexSnapshot {
    if (!this.state.userPaused) return this.snapshot()
    this.heldChanges = []
    this.startPass(this.generation, { userPaused: false })
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
    return indexSnapshot(this.state, {
      files: meta.files.count() - failed.length,
      failed: errors,
      chunks: meta.chunks.count(),
      vectors: embedding.current() ? meta.chunks.countEmbedded() : 0,
      lastIndexedAt: meta.state.get<string>(LAST_INDEXED_KEY),
      embedding: embedding.status,
      held: this.guard.held(),
      repairs: meta.state.get<StoreRepairs>(LAST_REPAIRS_KEY),
    })
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
      // The queued pass has begun once any job reports: from then on its own progress is the phase.
      onProgress: (progress) => this.update({ activity: progress, passQueued: false }),
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
    this.update({ passQueued: true })
    try {
      const summary = await indexer.reconcile(combined, passOptions)
      this.retryBackoff.reset()
      if (generation === this.generation) this.afterWork()
      return summary
    } catch (error) {
      if (generation === this.generation && !isAbortError(error)) {
        if (BrainError.is(error, 'folder-missing')) this.markFolderUnavailable(generation)
        else {
          this.update({ error: toErrorData(error) })
          this.scheduleRetry(generation)
        }
      }
      throw error
    } finally {
      this.passRunning = false
      // A pass of a folder since replaced says nothing about the new one's state.
      if (generation === this.generation) this.update({ passQueued: false })
    }
  }

  /**
   * Applies `patch` and, when indexing may then run, starts a full pass in the background: one snapshot for both,
   * so a folder that came back shows its pass, not a moment of `ready`.
   */
  private startPass(generation: number, patch: Partial<IndexState> = {}): void {
    const next = { ...this.state, ...patch }
    const runs = !this.disposed && !next.userPaused && next.folder !== null && next.folderState === 'ok'
    this.update(runs ? { ...patch, passQueued: true } : patch)
    if (runs) void this.runPass(generation).catch(() => undefined)
  }

  /** A watched folder whose pass failed (a locked database, a full disk) is tried again, with backoff. */
  private scheduleRetry(generation: number): void {
    if (!this.options.watch || this.retryTimer || this.disposed) return
    const delay = this.retryBackoff.next()
    console.warn(`[index] the pass failed; trying again in ${Math.round(delay / 1000)} s`)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (generation !== this.generation || !this.canWork()) return
      this.startPass(generation)
    }, delay)
    this.retryTimer.unref?.()
  }

  /** The periodic pass that repairs missed watcher events (see `consistencyCheckMs`). */
  private startConsistencyChecks(generation: number): void {
    const every = this.options.consistencyCheckMs ?? DEFAULT_CONSISTENCY_CHECK_MS
    if (every <= 0) return
    this.consistencyTimer = setInterval(() => {
      if (generation !== this.generation || !this.canWork() || this.passRunning) return
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
    if (!this.indexer || !this.canWork()) return
    const generation = this.generation
    void this.indexer
      .scheduleEmbedding(this.work.signal)
      .then(() => {
        if (generation === this.generation) this.afterWork()
      })
      .catch((error) => {
        if (!isAbortError(error)) this.update({ error: toErrorData(error) })
      })
  }

  /** After a pass, a burst or the backlog settled: maintenance jobs of the same pass, then `ready`. */
  private afterWork(): void {
    const { meta } = this.options
    const signal = this.work.signal
    meta.state.set(LAST_INDEXED_KEY, new Date().toISOString())
    // On the indexer's queue: a table drop never interleaves with its writes, and stopping waits for it.
    void this.indexer
      ?.enqueue(() => this.options.embedding.completeIfBuilt(signal))
      .catch((error) => {
        if (!isAbortError(error)) console.warn('[index] could not finish the vector table', error)
      })
    void this.indexer?.maintainVectors(signal)
    this.update({ error: null, settled: true })
    this.onSettled.fire()
  }

  /** Indexing may run: a folder that is there, not paused by the user, controller alive. */
  private canWork(): boolean {
    return !this.disposed && !this.state.userPaused && this.state.folder !== null && this.state.folderState === 'ok'
  }

  /** Stops every job of the current pass; later jobs get a fresh signal. */
  private abortWork(): void {
    this.work.abort()
    this.work = new AbortController()
  }

  private async startWatching(folder: string, generation: number): Promise<void> {
    this.watcher = await FolderWatcher.start({
      root: folder,
      extensions: this.options.settings().indexing.extensions,
      debounceMs: this.options.watcherDebounceMs,
      liveness: this.liveness ?? undefined,
      onChanges: (changes) => this.onChanges(changes, generation),
      onFolderState: (state: WatchedFolderState) => {
        if (generation !== this.generation) return
        if (state === 'replaced') {
          // Another folder at the same path: a full pass compares it with the index (and holds the removals if it
          // looks like the notes went away rather than were deleted).
          console.warn(`[watcher] ${folder} was replaced by another folder; re-attached, checking it against the index`)
          this.startPass(generation)
        } else if (state === 'unavailable') {
          this.abortWork()
          this.update({ folderState: 'unavailable' })
        } else {
          this.startPass(generation, { folderState: 'ok' })
        }
      },
      onError: (error) => console.warn(`[watcher] ${error.message}`),
    })
  }

  private onChanges(changes: FileChange[], generation: number): void {
    if (generation !== this.generation || !this.indexer) return
    this.onFileChanges.fire(changes)
    if (this.state.userPaused) {
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

  /**
   * The folder is gone (found missing by a pass or at start): keep the index, say so, and wait on the folder
   * poller until it is back, then start over on it. While watching, the watcher hears the same poller.
   */
  private markFolderUnavailable(generation: number): void {
    this.abortWork()
    this.update({ folderState: 'unavailable' })
    if (this.waitingForFolder || !this.liveness) return
    this.waitingForFolder = this.liveness.onTick((identity) => {
      if (generation !== this.generation || this.disposed) return this.stopWaitingForFolder()
      if (!identity || !this.state.folder) return
      this.stopWaitingForFolder()
      void this.setFolder(this.state.folder)
    })
  }

  private stopWaitingForFolder(): void {
    this.waitingForFolder?.dispose()
    this.waitingForFolder = null
  }

  private async stopFolder(): Promise<void> {
    this.stopWaitingForFolder()
    if (this.consistencyTimer) clearInterval(this.consistencyTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.consistencyTimer = null
    this.retryTimer = null
    this.abortWork()
    await this.watcher?.dispose()
    this.watcher = null
    this.liveness?.dispose()
    this.liveness = null
    await this.indexer?.whenIdle().catch(() => undefined)
    this.indexer = null
  }

  /** The one way the state changes; the phase follows from it. */
  private update(patch: Partial<IndexState>): void {
    Object.assign(this.state, patch)
    const phase: IndexPhase = indexPhase(this.state)
    // A new phase is shown at once (a short pass may last less than one coalescing window); progress within a
    // phase is coalesced.
    if (phase.type !== this.lastEmittedPhase) this.emitNow()
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
    const snapshot = this.snapshot()
    this.lastEmittedPhase = snapshot.phase.type
    this.onSnapshot.fire(snapshot)
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

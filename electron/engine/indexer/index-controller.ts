import fs from 'node:fs'
import { BrainError, isAbortError, toErrorData } from '../../../shared/errors'
import type { FileError, FolderState, IndexPhase, IndexSnapshot, IndexSummary } from '../../../shared/index-status'
import type { Settings } from '../../../shared/settings'
import { Emitter, type Disposable } from '../lifecycle'
import type { MetaStore } from '../store/meta-store'
import type { VectorStore } from '../store/vector-store'
import { FolderWatcher, type FileChange } from '../watcher/folder-watcher'
import type { EmbeddingManager } from './embedding-manager'
import { Indexer, type IndexProgress } from './indexer'
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
  watcherDebounceMs?: number
}

const MAX_ERRORS_IN_SNAPSHOT = 200
const LAST_INDEXED_KEY = 'lastIndexedAt'

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
  readonly onSnapshot = new Emitter<IndexSnapshot>()
  /** Fires after a change to the index has settled (sync listens to it). */
  readonly onSettled = new Emitter<void>()
  /** Every settled burst of file changes the watcher saw (the `watch` CLI logs them). */
  readonly onFileChanges = new Emitter<FileChange[]>()

  constructor(private readonly options: IndexControllerOptions) {
    this.userPaused = options.settings().indexing.paused
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
    if (this.options.watch) await this.startWatching(folder, generation)
    if (this.userPaused) this.setPhase({ type: 'paused', reason: 'user' })
    else if (this.options.watch) void this.runPass(generation).catch(() => undefined)
    else this.setPhase({ type: 'ready' })
  }

  /** One full pass now; rejects with folder-missing / folder-not-directory when the folder cannot be read. */
  async reindex(signal?: AbortSignal): Promise<IndexSummary> {
    if (!this.folder || !this.indexer) throw new BrainError('folder-not-set', 'No folder is set. Choose the folder that holds your weekly logs.')
    await assertFolder(this.folder)
    return this.runPass(this.generation, signal)
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
    return { ...this.snapshot(), periodSources: this.options.meta.periodSourceCounts() }
  }

  snapshot(): IndexSnapshot {
    const { meta, embedding } = this.options
    const failed = meta.listFailed()
    const errors: FileError[] = failed.slice(0, MAX_ERRORS_IN_SNAPSHOT).map((record) => ({
      path: record.path,
      code: record.errorCode ?? 'file-unreadable',
      message: record.errorMessage ?? 'Could not be indexed.',
      at: record.indexedAt ?? '',
    }))
    return {
      phase: this.phase,
      folder: this.folder,
      folderState: this.folderState,
      files: meta.countFiles() - failed.length,
      chunks: meta.countChunks(),
      vectors: embedding.current() ? meta.countEmbedded() : 0,
      lastIndexedAt: meta.getState<string>(LAST_INDEXED_KEY),
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
    })
  }

  private async runPass(generation: number, signal?: AbortSignal): Promise<IndexSummary> {
    const indexer = this.indexer!
    const combined = signal ? AbortSignal.any([signal, this.work.signal]) : this.work.signal
    try {
      const summary = await indexer.reconcile(combined)
      if (generation === this.generation) this.afterWork()
      return summary
    } catch (error) {
      if (generation === this.generation && !isAbortError(error)) {
        if (BrainError.is(error, 'folder-missing')) this.markFolderUnavailable(generation)
        else this.setPhase({ type: 'error', error: toErrorData(error) })
      }
      throw error
    }
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
    meta.setState(LAST_INDEXED_KEY, new Date().toISOString())
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
      onChanges: (changes) => this.onChanges(changes, generation),
      onFolderState: (state) => {
        if (generation !== this.generation) return
        if (state === 'unavailable') {
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
